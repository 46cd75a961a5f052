package cmdline

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	cases := map[string]string{
		"tickets.csv":           "tickets.csv",
		"data/tickets 2024.csv": "'data/tickets 2024.csv'",
		";rm -rf ~;.csv":        `';rm -rf ~;.csv'`,
		"it's.csv":              `'it'"'"'s.csv'`,
		"$(id).csv":             "'$(id).csv'",
		"a\nb.csv":              `$'a\nb.csv'`,
		"a'\x01.csv":            `$'a\'\x01.csv'`,
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"x;y.csv", "ok.csv"}, "kpiscope init 'x;y.csv' ok.csv"},
		{[]string{"ok.csv", "-rf.csv"}, "kpiscope init ok.csv -- -rf.csv"},
		{[]string{"--config", "o'ut $(x)/k;y.yaml"}, `kpiscope init --config 'o'"'"'ut $(x)/k;y.yaml'`},
		{[]string{"--config", "-c.yaml", "-x.csv"}, "kpiscope init --config -c.yaml -- -x.csv"},
	} {
		if got := Command("kpiscope init", c.args...); got != c.want {
			t.Errorf("Command(%q) = %s, want %s", c.args, got, c.want)
		}
	}
}

// TestQuoteRoundTrip hands each quoted word to a real shell, which must give
// back the original name as one argument and run nothing else.
func TestQuoteRoundTrip(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	for _, name := range []string{";rm -rf ~;.csv", "it's here.csv", "$(touch /tmp/pwned).csv", "`id`.csv", "a\nb\t'c'\\.csv", "x\x7f.csv"} {
		q := Quote(name)
		if strings.ContainsAny(q, "\n\r") {
			t.Errorf("Quote(%q) spans lines: %s", name, q)
		}
		out, err := exec.Command(bash, "-c", "printf %s "+q).Output()
		if err != nil {
			t.Fatalf("bash on %s: %v", q, err)
		}
		if string(out) != name {
			t.Errorf("bash read %s as %q, want %q", q, out, name)
		}
	}
}

func TestList(t *testing.T) {
	if got := List([]string{"a", "b", "c"}, 5); got != "a, b, c" {
		t.Error(got)
	}
	if got := List([]string{"a", "b", "c", "d"}, 2); got != "a, b … and 2 more" {
		t.Error(got)
	}
	if got := List(make([]string, 3001), 1); got != " … and 3,000 more" {
		t.Error(got)
	}
}
