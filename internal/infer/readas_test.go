package infer

import (
	"strings"
	"testing"
)

// A Windows-1252 survey export whose nps column has NA where no answer was
// given: init says how it read the file (encoding: in the source, so every
// command reads it alike, and the NA note in the profile) and proposes NPS
// over the column, now numeric.
func TestInitSaysHowTheFileWasRead(t *testing.T) {
	in, _ := inferFiles(t, "survey_cp1252.csv")
	text := in.YAML(YAMLOptions{Header: true})
	for _, want := range []string{
		"    encoding: windows-1252\n",
		"#   read as windows-1252 (not UTF-8)\n",
		"#   NA read as missing in 1 column (nps); a missing: list under the source replaces this rule\n",
		"use: nps",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("init's config lacks %q:\n%s", want, text)
		}
	}
}
