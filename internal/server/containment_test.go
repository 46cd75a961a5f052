package server_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/kpi"
	"kpiscope/internal/report"
	"kpiscope/internal/server"
	"kpiscope/internal/store"
	"kpiscope/internal/workspace"
	"kpiscope/sampledata"
)

// passwd is what a successful read of /etc/passwd would show.
const passwd = "root:"

// An SSH user gets the explorer and nothing else: no exec, no subsystem, no
// forwarding either way, no session without a terminal.
func TestOnlyTheExplorerIsOffered(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, key)
	client, err := ts.dial("mallory", gossh.PublicKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	t.Run("exec", func(t *testing.T) {
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		out, err := sess.CombinedOutput("cat /etc/passwd")
		if err == nil || strings.Contains(string(out), passwd) {
			t.Fatalf("exec ran: err=%v output=%q", err, out)
		}
	})
	t.Run("exec with a terminal", func(t *testing.T) {
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
			t.Fatal(err)
		}
		if err := sess.Start("sh"); err == nil {
			t.Fatal("exec of a shell was accepted")
		}
	})
	t.Run("subsystem", func(t *testing.T) {
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if err := sess.RequestSubsystem("sftp"); err == nil {
			t.Fatal("the sftp subsystem was accepted")
		}
	})
	t.Run("local forwarding", func(t *testing.T) {
		// The server's own port is the one address certainly listening here.
		if c, err := client.Dial("tcp", ts.addr); err == nil {
			c.Close()
			t.Fatal("a direct-tcpip channel was opened")
		}
	})
	t.Run("remote forwarding", func(t *testing.T) {
		if ln, err := client.Listen("tcp", "127.0.0.1:0"); err == nil {
			ln.Close()
			t.Fatal("a tcpip-forward request was accepted")
		}
	})
	t.Run("no terminal", func(t *testing.T) {
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		var out strings.Builder
		sess.Stdout, sess.Stderr = &out, &out
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		var exit *gossh.ExitError
		if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Errorf("exit = %v, want status 1", err)
		}
		if !strings.Contains(out.String(), "needs a terminal") {
			t.Errorf("output %q does not say a terminal is needed", out.String())
		}
	})
	client.Close()
	// The connection's log line lists what was asked for and refused.
	ts.waitLog(t, waitLong, "connection", "user=mallory", `exec \"cat /etc/passwd\"`, "subsystem sftp", "direct-tcpip", "tcpip-forward")
}

// After Lock, the shared engine cannot read any file but the loaded ones,
// write any file, attach a database, load an extension or unlock itself,
// on whichever pooled connection a query lands.
func TestEngineIsLocked(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	statements := []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_blob('/etc/passwd')",
		"SELECT * FROM glob('/etc/*')",
		"COPY (SELECT 42) TO " + store.QuoteLiteral(out),
		"ATTACH " + store.QuoteLiteral(filepath.Join(dir, "x.duckdb")) + " AS x",
		"SET enable_external_access = true",
		"SET allowed_paths = ['/etc/passwd']",
		"SET lock_configuration = false",
		"INSTALL httpfs",
		"LOAD httpfs",
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, q := range statements {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows, err := ws.DB.Query(ctx, q)
				if err == nil {
					t.Errorf("%s: allowed (%d rows)", q, len(rows.Data))
					return
				}
				if strings.Contains(err.Error(), passwd) {
					t.Errorf("%s: error leaks file content: %v", q, err)
				}
			}()
		}
	}
	wg.Wait()
	if _, err := os.Stat(out); err == nil {
		t.Errorf("COPY wrote %s", out)
	}
}

// Locking keeps views over the loaded Parquet files working while a file
// beside them, not loaded, stays out of reach.
func TestLockKeepsLoadedFilesOnly(t *testing.T) {
	dir := t.TempDir()
	var sources []string
	err := fs.WalkDir(sampledata.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		b, err := sampledata.FS.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.Base(p))
		sources = append(sources, dst)
		return os.WriteFile(dst, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret.parquet")
	if err := os.WriteFile(secret, mustRead(t, sources[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := workspace.Open(ctx, workspace.Options{Sources: sources, NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.Query(ctx, "SELECT count(*) FROM read_parquet("+store.QuoteLiteral(secret)+")"); err != nil {
		t.Fatalf("fixture: the unloaded file is unreadable even before locking: %v", err)
	}
	if err := server.Lock(ctx, w); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	sc, err := w.Engine.Compute(ctx, kpi.Slice{Grain: kpi.Month}, nil)
	if err != nil {
		t.Fatalf("compute over locked views: %v", err)
	}
	values := 0
	for _, r := range sc.Results {
		if r.Err == nil && r.Total.Value != nil {
			values++
		}
	}
	if values == 0 {
		t.Fatalf("no KPI has a value over the locked views")
	}
	if _, err := w.DB.Query(ctx, "SELECT count(*) FROM read_parquet("+store.QuoteLiteral(secret)+")"); err == nil {
		t.Error("a Parquet file that was not loaded can be read after Lock")
	}
}

// Filter values are bound parameters, never spliced into SQL: a value that
// would break out of a quoted string matches nothing and runs nothing, on an
// unlocked engine too; a dimension that is not a column is refused.
func TestFilterValuesAreBound(t *testing.T) {
	ctx := context.Background()
	unlocked, err := workspace.Open(ctx, workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer unlocked.Close()
	crafted := []string{
		"x') OR 1=1; SELECT * FROM read_csv('/etc/passwd') --",
		"chat' OR '1'='1",
		`chat" OR "1"="1`,
		"chat'); DROP TABLE tickets; --",
	}
	for _, eng := range []*kpi.Engine{unlocked.Engine, ws.Engine} {
		all, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month}, []string{"csat"})
		if err != nil || all.Results[0].Total.N == 0 {
			t.Fatalf("fixture: unfiltered CSAT: %v", err)
		}
		for _, v := range crafted {
			s := kpi.Slice{Grain: kpi.Month, Filters: []kpi.Filter{{Dim: "channel", Values: []string{v}}}}
			sc, err := eng.Compute(ctx, s, nil)
			if err != nil {
				if strings.Contains(err.Error(), passwd) {
					t.Errorf("%q: error leaks file content: %v", v, err)
				}
				continue
			}
			r := sc.Find("csat")
			if r.Total.N != 0 || r.Total.Value != nil {
				t.Errorf("%q matched rows: n=%d value=%v", v, r.Total.N, r.Total.Value)
			}
			var b strings.Builder
			_ = report.Plain(&b, sc, "")
			if strings.Contains(b.String(), passwd) {
				t.Errorf("%q: scorecard shows file content:\n%s", v, b.String())
			}
		}
		// The tickets table is still there after the DROP attempt.
		if after, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.Month}, []string{"csat"}); err != nil || after.Results[0].Total.N != all.Results[0].Total.N {
			t.Errorf("data changed after crafted filters: %v", err)
		}
		for _, dim := range []string{`channel" OR 1=1 --`, "channel') OR 1=1 --"} {
			if _, err := eng.Compute(ctx, kpi.Slice{Filters: []kpi.Filter{{Dim: dim, Values: []string{"chat"}}}}, nil); err == nil {
				t.Errorf("dimension %q accepted", dim)
			}
		}
	}
}

// The same crafted filter, given to a session over SSH, shows "no value"
// and no file content.
func TestCraftedFilterOverSSH(t *testing.T) {
	key := newKey(t)
	f := &sliceFactory{slices: map[string]kpi.Slice{
		"mallory": {Grain: kpi.Month, Filters: []kpi.Filter{{Dim: "channel", Values: []string{"x') OR 1=1; SELECT * FROM read_csv('/etc/passwd') --"}}}},
	}}
	ts := startServer(t, server.Config{}, f.New, key)
	c := ts.open(t, "mallory", key, termOpts{})
	text := c.waitFor("CSAT without a value", waitLong, func(s string) bool {
		return strings.Contains(kpiLine(s, "CSAT"), "—")
	})
	if strings.Contains(text, passwd) {
		t.Errorf("file content on screen:\n%s", text)
	}
}

// A KPI definition that tries to read another file (in an aggregate or in
// its row filter) fails on the locked engine, while the same definition
// reads the file on an unlocked one: the refusal is the lock's doing.
func TestKPIDefinitionCannotReadFiles(t *testing.T) {
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Skip("no /etc/passwd to try reading")
	}
	ctx := context.Background()
	evil := func() []*kpi.Def {
		base := *ws.Engine.Def("csat")
		num := base
		num.ID, num.Name, num.Target = "evil_num", "Evil numerator", nil
		num.Numerator = "(SELECT count(*) FROM read_csv('/etc/passwd', header = false, columns = {'line': 'VARCHAR'}, delim = '\x01'))"
		num.Denominator, num.Scale = "1", 1
		where := base
		where.ID, where.Name, where.Target = "evil_where", "Evil where", nil
		where.Where = "EXISTS (SELECT 1 FROM read_text('/etc/passwd') WHERE content LIKE 'root:%')"
		return []*kpi.Def{&num, &where}
	}
	unlocked, err := workspace.Open(ctx, workspace.Options{NoConfig: true})
	if err != nil {
		t.Fatal(err)
	}
	defer unlocked.Close()
	for _, tc := range []struct {
		name   string
		db     *store.DB
		locked bool
	}{{"unlocked", unlocked.DB, false}, {"locked", ws.DB, true}} {
		eng, err := kpi.New(ctx, tc.db, evil(), kpi.Options{Dimensions: []string{"channel"}})
		if err != nil {
			if tc.locked {
				continue // refused while checking the definitions: fine
			}
			t.Fatalf("%s: %v", tc.name, err)
		}
		sc, err := eng.Compute(ctx, kpi.Slice{Grain: kpi.All}, nil)
		if err != nil {
			if !tc.locked {
				t.Fatalf("%s: %v", tc.name, err)
			}
			continue
		}
		for _, id := range []string{"evil_num", "evil_where"} {
			r := sc.Find(id)
			perr := eng.Problems()[id]
			read := r.Err == nil && perr == nil && r.Total.Value != nil && *r.Total.Value > 0
			if tc.locked && read {
				t.Errorf("%s: %s read /etc/passwd on the locked engine (value %v)", tc.name, id, *r.Total.Value)
			}
			if !tc.locked && !read {
				t.Errorf("fixture: %s did not read /etc/passwd on the unlocked engine (err %v, problem %v); the locked case proves nothing", id, r.Err, perr)
			}
			for _, e := range []error{r.Err, perr} {
				if e != nil && strings.Contains(e.Error(), passwd) {
					t.Errorf("%s: %s error leaks file content: %v", tc.name, id, e)
				}
			}
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
