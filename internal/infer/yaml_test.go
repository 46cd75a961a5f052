package infer

import (
	"testing"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
)

// Whatever a column name or expression holds, the YAML written for it reads
// back as the same string, in block and in flow context.
func FuzzYAMLScalar(f *testing.F) {
	for _, s := range []string{"satisfaction rating", "How likely are you to recommend this airline?", `count(*) FILTER (WHERE "answered (Y/N)" = 'Y')`,
		"yes", "No", "null", "~", "0123", "-1", "a: b", "x #y", "- item", "{a}", "[b]", "tab\there", "line\nbreak", `back\slash`, "'q'", `"d"`, " lead", "trail ", "", "ünï", "\u00a0x", "%x", "@x", "`x", "a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		for _, flow := range []bool{false, true} {
			doc := "k: " + yamlScalar(s, false)
			if flow {
				doc = "k: {v: " + yamlScalar(s, true) + "}"
			}
			var got map[string]any
			if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
				t.Fatalf("%q: %v\n%s", s, err, doc)
			}
			v := got["k"]
			if flow {
				m, _ := v.(map[string]any)
				v = m["v"]
			}
			if str, ok := v.(string); !ok || str != s {
				t.Fatalf("%q read back as %#v from\n%s", s, v, doc)
			}
		}
	})
}
