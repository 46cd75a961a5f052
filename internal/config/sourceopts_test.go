package config

import (
	"reflect"
	"strings"
	"testing"
)

// encoding: and missing: reach the source spec; an unknown encoding is
// refused at its line with the names that work.
func TestSourceEncodingAndMissing(t *testing.T) {
	cfg, err := Parse("/cfg/kpiscope.yaml", []byte(`sources:
  a:
    path: a.csv
    encoding: Latin-1
    missing: [NA, "-"]
  b:
    path: b.csv
    missing: []
  c:
    path: c.csv
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range cfg.Sources {
		got[s.Name] = s.Encoding + " " + strings.Join(s.Missing, ",") + " " + map[bool]string{true: "set", false: "auto"}[s.MissingSet]
	}
	want := map[string]string{"a": "iso-8859-1 NA,- set", "b": "  set", "c": "  auto"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sources %q, want %q", got, want)
	}
	_, err = Parse("/cfg/kpiscope.yaml", []byte("sources:\n  a:\n    path: a.csv\n    encoding: ebcdic\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "/cfg/kpiscope.yaml:4") || !strings.Contains(err.Error(), `unknown encoding "ebcdic"; use one of utf-8, utf-16, utf-16le, utf-16be, latin-1, iso-8859-1, windows-1252, cp1252`) {
		t.Errorf("err = %v, want a refusal at line 4 with the names", err)
	}
}

// decimal: reaches the source spec; a separator other than , or . is
// refused at its line.
func TestSourceDecimal(t *testing.T) {
	cfg, err := Parse("/cfg/kpiscope.yaml", []byte("sources:\n  a:\n    path: a.csv\n    decimal: \",\"\n  b:\n    path: b.csv\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range cfg.Sources {
		got[s.Name] = s.Decimal
	}
	if want := map[string]string{"a": ",", "b": ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("decimals %q, want %q", got, want)
	}
	_, err = Parse("/cfg/kpiscope.yaml", []byte("sources:\n  a:\n    path: a.csv\n    decimal: \";\"\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "/cfg/kpiscope.yaml:4") || !strings.Contains(err.Error(), `decimal: ";" is not a decimal separator`) {
		t.Errorf("err = %v, want a refusal at line 4", err)
	}
}
