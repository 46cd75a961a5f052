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

func TestCount(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Count(1, "table"), "1 table"},
		{Count(0, "table"), "0 tables"},
		{Count(2, "KPI"), "2 KPIs"},
		{Count(int64(1), "row"), "1 row"},
		{Count(int64(2995), "row"), "2,995 rows"},
		{Count(1, "entry", "entries"), "1 entry"},
		{Count(3, "entry", "entries"), "3 entries"},
		{Count(1, "row") + " " + Pick(1, "has", "have"), "1 row has"},
		{Count(7, "row") + " " + Pick(7, "has", "have"), "7 rows have"},
		{Thousands(-1234567), "-1,234,567"},
		{Thousands(999), "999"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
