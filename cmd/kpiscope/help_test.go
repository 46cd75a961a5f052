package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestMisspeltCommand: a first argument that names no file but is close to a
// subcommand is a typo, not a missing file; one that names a file, or is far
// from every command, keeps the file message.
func TestMisspeltCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		arg, want string
	}{
		{"reprot", `kpiscope: unknown command "reprot"; did you mean "report"?`},
		{"inti", `kpiscope: unknown command "inti"; did you mean "init"?`},
		{"serv", `kpiscope: unknown command "serv"; did you mean "serve"?`},
		{"chekc", `kpiscope: unknown command "chekc"; did you mean "check"?`},
		{"nosuchfile", `kpiscope: nosuchfile: no such file or directory; check the path (sources are CSV or Parquet files, globs or directories)`},
	} {
		r := runCLI(t, tc.arg)
		if r.code != 2 || strings.TrimSpace(r.stderr) != tc.want {
			t.Errorf("kpiscope %s: exit %d, stderr %q; want exit 2, %q", tc.arg, r.code, r.stderr, tc.want)
		}
	}
	// A file that happens to be named like a typo is a source.
	if err := os.WriteFile("reprot", []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "reprot"); strings.Contains(r.stderr, "unknown command") {
		t.Errorf("kpiscope reprot with a file named reprot: %q; want the file read as a source", r.stderr)
	}
}

// misCased is what fang's title-casing of a description's first word makes
// of the names kpiscope writes in capitals or mixed case.
var misCased = regexp.MustCompile(`\b(Kpi|Kpis|Csv|Json|Ssh|Nps|Csat|Ces|Duckdb|Openssh|Data-Quality|Fcr|Clv|Cac)\b`)

// TestHelpPlaceholdersAndCasing runs --help for every command: each flag
// that takes a value shows its placeholder ("--by DIM"), and every flag's
// and command's description prints as written, only its first letter
// capitalised ("KPI definitions", never "Kpi definitions").
func TestHelpPlaceholdersAndCasing(t *testing.T) {
	// Hand-written: what a reader of each command's help must see.
	want := map[string][]string{
		"": {"--config FILE ", "--db FILE ", "--memory-limit LIMIT ", "--query-timeout DURATION ",
			"Read KPI definitions from FILE (default: ./kpiscope.yaml if present)",
			"Print the KPI scorecard for a period", "Serve the explorer over SSH to a team, read-only"},
		"report": {"--by DIM ", "--period PERIOD ", "-f --format FORMAT ", "--grain GRAIN ", "--filter DIM=VALUE ",
			"--compare BASE ", "--kpi IDS ", "--fail-on STATUS ", "--checks WHEN ", "--config FILE ", "--limit N|all ",
			"Print data-quality warnings under the table WHEN"},
		"sample": {"--out DIR ", "--customers N ", "--months N ", "--seed N ", "--tickets N ", "--end YYYY-MM "},
		"check":  {"--config FILE ", "--db FILE "},
		"init":   {"-o --out FILE "},
		"serve": {"--listen HOST:PORT ", "--host-key FILE ", "--authorized-keys FILE ", "--log-file FILE ",
			"--log-level LEVEL ", "--max-startups START:RATE:FULL ", "--idle-timeout DURATION ",
			"--max-sessions N ", "--threads N ", "--watch ", "--allow-any-key "},
	}
	var visit func(c *cobra.Command, path []string)
	visit = func(c *cobra.Command, path []string) {
		r := runCLI(t, append(append([]string{}, path...), "--help")...)
		name := strings.Join(path, " ")
		out := ansi.Strip(r.stdout)
		if r.code != 0 {
			t.Fatalf("kpiscope %s --help: exit %d, %s", name, r.code, r.stderr)
		}
		for _, w := range want[name] {
			if !strings.Contains(out, w) {
				t.Errorf("kpiscope %s --help lacks %q:\n%s", name, w, out)
			}
		}
		if m := misCased.FindString(out); m != "" {
			t.Errorf("kpiscope %s --help re-cases a name: %q in\n%s", name, m, out)
		}
		c.InheritedFlags() // merges the root's flags into c.Flags()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			ph, usage := pflag.UnquoteUsage(f)
			if f.Value.Type() != "bool" {
				if !strings.Contains(f.Usage, "`") {
					t.Errorf("kpiscope %s --%s: the usage names no placeholder (put it in backquotes: \"by `DIM`\")", name, f.Name)
				} else if !strings.Contains(out, "--"+f.Name+" "+ph+" ") {
					t.Errorf("kpiscope %s --help: no %q", name, "--"+f.Name+" "+ph)
				}
			}
			if !strings.Contains(out, capitalized(usage)) {
				t.Errorf("kpiscope %s --help: --%s does not read %q", name, f.Name, capitalized(usage))
			}
		})
		for _, sc := range c.Commands() {
			if !strings.Contains(out, capitalized(sc.Short)) {
				t.Errorf("kpiscope %s --help: command %s does not read %q", name, sc.Name(), capitalized(sc.Short))
			}
			visit(sc, append(path, sc.Name()))
		}
	}
	visit(newRoot(), nil)
}

func capitalized(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
