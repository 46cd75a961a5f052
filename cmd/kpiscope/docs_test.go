package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"kpiscope/tui/keys"
)

// The README and docs say what the program does; these tests hold the parts
// a reader would act on to what the program prints.

// repoFile reads a file of the repository (the tests run in cmd/kpiscope).
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEReportExamples runs every `$ kpiscope report …` example of the
// README on the sample data and compares what it prints, legend included,
// with what the README shows.
func TestREADMEReportExamples(t *testing.T) {
	skipShort(t)
	readme := repoFile(t, "README.md")
	sandbox(t)
	examples := regexp.MustCompile("(?s)```\n\\$ kpiscope (report[^\n]*)\n(.*?)```").FindAllStringSubmatch(readme, -1)
	if len(examples) < 2 {
		t.Fatalf("found %d report examples in README.md, want the two", len(examples))
	}
	for _, ex := range examples {
		r := runCLI(t, shellFields(ex[1])...)
		if r.code != 0 {
			t.Fatalf("kpiscope %s: exit %d: %s", ex[1], r.code, r.stderr)
		}
		want, got := trimLines(ex[2]), trimLines(r.stdout)
		if want != got {
			t.Errorf("README.md's `kpiscope %s` differs from what it prints:\n--- README\n%s\n--- kpiscope\n%s", ex[1], want, got)
		}
	}
}

// shellFields splits a command line as a POSIX shell would for the
// README's examples: at spaces, with 'single quotes' kept whole.
func shellFields(s string) []string {
	var out []string
	var b strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				out = append(out, b.String())
				b.Reset()
			}
			in = false
		default:
			b.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, b.String())
	}
	return out
}

func trimLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// TestREADMELegend: the explorer section names each status glyph with the
// word the program's legend gives it.
func TestREADMELegend(t *testing.T) {
	readme := repoFile(t, "README.md")
	sandbox(t)
	r := runCLI(t, "report")
	var legend string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "● ") {
			legend = l
		}
	}
	if legend == "" {
		t.Fatalf("no legend in the report:\n%s", r.stdout)
	}
	// "● on target  ◐ near  ○ off  · no value  ◦ no target  low: …"
	words := map[string]string{}
	for _, part := range strings.Split(legend, "  ") {
		glyph, word, ok := strings.Cut(part, " ")
		if ok {
			words[glyph] = word
		}
	}
	for _, glyph := range []string{"●", "◐", "○", "·"} {
		if words[glyph] == "" {
			t.Fatalf("the legend %q does not name %s", legend, glyph)
		}
		if want := "`" + glyph + "` " + words[glyph]; !strings.Contains(readme, want) {
			t.Errorf("README.md does not say %q (the program's legend: %q)", want, legend)
		}
	}
}

// TestREADMEKeys: every key the README's key table and the 80 × 24
// walkthroughs (README.md, docs/screens.md) name is bound in tui/keys to
// the action they describe.
func TestREADMEKeys(t *testing.T) {
	km := keys.Default()
	// What the README says each key does, as the binding that does it.
	does := map[string]key.Binding{
		"tab": km.Next, "shift+tab": km.Prev, "j": km.Down, "k": km.Up, "↑": km.Up, "↓": km.Down,
		"home": km.Top, "end": km.Bottom, "/": km.Find, ":": km.Palette, "ctrl+p": km.Palette,
		"s": km.Segment, "enter": km.Focus, "l": km.Right, "backspace": km.StepOut, "esc": km.Back,
		"x": km.ClearAll, "o": km.Sort, "O": km.SortDir, "g": km.Grain, "G": km.GrainBack,
		"[": km.Earlier, "]": km.Later, "t": km.Latest, "c": km.Compare, "v": km.Why, "m": km.Movers, "e": km.Export,
		"y": km.Copy, "Y": km.CopyScorecard, "w": km.Warnings, "r": km.Reload, "?": km.Help,
		"q": km.Quit, "ctrl+c": km.Quit,
		"#": km.Grid,
		"R": km.Records,
		"d": km.Dist,
		"C": km.Cohorts,
		"S": km.Series,
		"$": km.Command,
		"F": km.Filters,
		"V": km.SaveView,
	}
	for _, n := range "123456789" {
		does[string(n)] = km.Jump
	}
	name := map[string]string{"↑": "up", "↓": "down"} // the README's arrows, as tea names them
	check := func(where, k string) {
		b, ok := does[k]
		if !ok {
			t.Errorf("%s names the key %q, which this test does not know: add it with the binding it stands for", where, k)
			return
		}
		tk := k
		if n, ok := name[k]; ok {
			tk = n
		}
		if !slices.Contains(b.Keys(), tk) {
			t.Errorf("%s: %q is not bound to %q (%s); it has %v", where, k, b.Help().Desc, b.Help().Key, b.Keys())
		}
	}
	backquoted := regexp.MustCompile("`([^`]+)`")

	readme := repoFile(t, "README.md")
	_, table, ok := strings.Cut(readme, "| keys | action |\n|---|---|\n")
	if !ok {
		t.Fatal("README.md has no key table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	rows := 0
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 3 {
			continue
		}
		rows++
		for _, m := range backquoted.FindAllStringSubmatch(cells[1], -1) {
			k := m[1]
			if k == "1" || k == "9" { // `1`–`9`
				for _, n := range "123456789" {
					check("README.md's key table", string(n))
				}
				continue
			}
			check("README.md's key table", k)
		}
	}
	if rows < 10 {
		t.Fatalf("read %d rows of README.md's key table", rows)
	}

	// "At 80 × 24, first contact resolution broken down by team (`8`, `s`, `team`)"
	walk := regexp.MustCompile("broken down by team \\(`8`, `s`, `team`\\)")
	if !walk.MatchString(readme) {
		t.Error("README.md's 80 × 24 walkthrough no longer reads (`8`, `s`, `team`): update this test with it")
	}
	check("README.md's walkthrough", "8")
	check("README.md's walkthrough", "s")
	if km.Jump.Keys()[7] != "8" || !strings.Contains(readme, "│◐  FCR ") {
		t.Error("`8` is not the eighth KPI, FCR")
	}
	screens := repoFile(t, "docs/screens.md")
	if !strings.Contains(screens, "then `8` (FCR), `s`, `team`, `enter`.") {
		t.Error("docs/screens.md's 80 × 24 walkthrough no longer reads `8` (FCR), `s`, `team`, `enter`: update this test with it")
	}
	for _, k := range []string{"8", "s", "enter"} {
		check("docs/screens.md's walkthrough", k)
	}
}

// TestREADMEGoVersion: the README asks for the Go that go.mod names.
func TestREADMEGoVersion(t *testing.T) {
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(repoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "Go " + m[1]; !strings.Contains(repoFile(t, "README.md"), want) {
		t.Errorf("README.md does not say %q (go.mod: go %s)", want, m[1])
	}
}

// TestServeFlagsDocumented: README.md and docs/serve.md list every flag that
// `kpiscope serve --help` prints, with the same placeholder.
func TestServeFlagsDocumented(t *testing.T) {
	readme, serve := repoFile(t, "README.md"), repoFile(t, "docs/serve.md")
	r := runCLI(t, "serve", "--help")
	_, flags, _ := strings.Cut(ansi.Strip(r.stdout), "FLAGS")
	found := regexp.MustCompile(`(?m)^\s+(?:-\w )?(--[a-z][a-z-]*(?: [A-Z][A-Z:=|,]*)?)\s`).FindAllStringSubmatch(flags, -1)
	if len(found) < 15 {
		t.Fatalf("read %d flags from serve --help:\n%s", len(found), r.stdout)
	}
	for _, f := range found {
		if f[1] == "--help" {
			continue
		}
		for doc, text := range map[string]string{"README.md": readme, "docs/serve.md": serve} {
			if !strings.Contains(text, "`"+f[1]+"`") {
				t.Errorf("%s does not list `%s` (serve --help does)", doc, f[1])
			}
		}
	}
}

// TestReportFlagsDocumented: README.md's report flag table names every flag
// that `kpiscope report --help` prints (it writes the values out, "--grain
// day|week|…", where the help has a placeholder).
func TestReportFlagsDocumented(t *testing.T) {
	readme := repoFile(t, "README.md")
	_, table, _ := strings.Cut(readme, "### `kpiscope report`")
	table, _, _ = strings.Cut(table, "\n## ")
	r := runCLI(t, "report", "--help")
	_, flags, _ := strings.Cut(ansi.Strip(r.stdout), "FLAGS")
	found := regexp.MustCompile(`(?m)^\s+(?:-\w )?(--[a-z][a-z-]*)`).FindAllStringSubmatch(flags, -1)
	if len(found) < 12 {
		t.Fatalf("read %d flags from report --help:\n%s", len(found), r.stdout)
	}
	for _, f := range found {
		if f[1] != "--help" && !strings.Contains(table, "`"+f[1]+" ") && !strings.Contains(table, "`"+f[1]+"`") {
			t.Errorf("README.md's report section does not list %s (report --help does)", f[1])
		}
	}
}

// TestREADMEKeylessSSH: the README says what ssh prints without a key, what
// the server logs (internal/server TestKeylessClientRefused holds the log
// line) and what to do.
func TestREADMEKeylessSSH(t *testing.T) {
	for _, doc := range []string{"README.md", "docs/serve.md"} {
		text := repoFile(t, doc)
		for _, want := range []string{
			"Permission denied (publickey).",
			`reason="no public key offered"`,
			`reason="key not authorized"`,
			"ssh-keygen -t ed25519",
			"`--authorized-keys` file",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not say %q", doc, want)
			}
		}
	}
}
