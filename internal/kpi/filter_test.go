package kpi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kpiscope/internal/kpi"
)

func TestParseFilterForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want kpi.Filter
		arg  string
	}{
		{"channel=chat", kpi.Filter{Dim: "channel", Values: []string{"chat"}}, "channel=chat"},
		{" channel = chat , email ", kpi.Filter{Dim: "channel", Values: []string{"chat", "email"}}, "channel=chat,email"},
		{"channel!=web", kpi.Filter{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"web"}}, "channel!=web"},
		{"contacts>=2", kpi.Filter{Dim: "contacts", Op: kpi.OpGE, Values: []string{"2"}}, "contacts>=2"},
		{"contacts>2.5", kpi.Filter{Dim: "contacts", Op: kpi.OpGT, Values: []string{"2.5"}}, "contacts>2.5"},
		{"seats<=10", kpi.Filter{Dim: "seats", Op: kpi.OpLE, Values: []string{"10"}}, "seats<=10"},
		{"seats<-1", kpi.Filter{Dim: "seats", Op: kpi.OpLT, Values: []string{"-1"}}, "seats<-1"},
		{"note=a=b", kpi.Filter{Dim: "note", Values: []string{"a=b"}}, "note=a=b"},
		{"plan==Pro", kpi.Filter{Dim: "plan", Values: []string{"Pro"}}, "plan=Pro"},
		{`team=chat\, live,web`, kpi.Filter{Dim: "team", Values: []string{"chat, live", "web"}}, `team=chat\, live,web`},
		{`path!=a\\b`, kpi.Filter{Dim: "path", Op: kpi.OpNotIn, Values: []string{`a\b`}}, `path!=a\\b`},
	} {
		got, err := kpi.ParseFilter(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.Dim != c.want.Dim || got.Op != c.want.Op || strings.Join(got.Values, "|") != strings.Join(c.want.Values, "|") {
			t.Errorf("%q: got %+v, want %+v", c.in, got, c.want)
		}
		if got.Arg() != c.arg {
			t.Errorf("%q: Arg %q, want %q", c.in, got.Arg(), c.arg)
		}
		if back, _ := kpi.ParseFilter(got.Arg()); back.Arg() != got.Arg() {
			t.Errorf("%q: Arg does not read back: %q", c.in, back.Arg())
		}
	}
	for _, bad := range []string{"channel", "=chat", "contacts>=two", "contacts<", "channel!web", "contacts>=NaN", "contacts>=-inf", "contacts<+Inf", "channel<>web"} {
		if _, err := kpi.ParseFilter(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := kpi.ParseFilter("channel<>web"); err == nil || !strings.Contains(err.Error(), "channel!=VALUE") {
		t.Errorf("<>: %v", err)
	}
}

func TestParseWindow(t *testing.T) {
	last := time.Date(2026, 10, 31, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in, arg, str, from, to string
	}{
		{"30d", "30d", "last 30 days", "2026-10-02", "2026-11-01"},
		{"last 30 days", "30d", "last 30 days", "2026-10-02", "2026-11-01"},
		{"last 12 weeks", "12w", "last 12 weeks", "2026-08-09", "2026-11-01"},
		{"1d", "1d", "last 1 day", "2026-10-31", "2026-11-01"},
		{"6m", "6m", "last 6 months", "2026-05-01", "2026-11-01"},
		{"2q", "2q", "last 2 quarters", "2026-05-01", "2026-11-01"},
		{"1y", "1y", "last 1 year", "2025-11-01", "2026-11-01"},
		{"last 1 quarter", "1q", "last 1 quarter", "2026-08-01", "2026-11-01"},
		{"this quarter to date", "qtd", "quarter to date", "2026-10-01", "2026-11-01"},
		{"QTD", "qtd", "quarter to date", "2026-10-01", "2026-11-01"},
		{"ytd", "ytd", "year to date", "2026-01-01", "2026-11-01"},
		{"this week", "wtd", "week to date", "2026-10-26", "2026-11-01"},
		{"month to date", "mtd", "month to date", "2026-10-01", "2026-11-01"},
	} {
		w, err := kpi.ParseWindow(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		from, to := w.Range(last)
		if w.Arg() != c.arg || w.String() != c.str || from.Format(time.DateOnly) != c.from || to.Format(time.DateOnly) != c.to {
			t.Errorf("%q: %s %q %s..%s, want %s %q %s..%s", c.in, w.Arg(), w.String(), from.Format(time.DateOnly), to.Format(time.DateOnly), c.arg, c.str, c.from, c.to)
		}
		if back, err := kpi.ParseWindow(w.Arg()); err != nil || back != w {
			t.Errorf("%q: Arg %q does not read back (%v)", c.in, w.Arg(), err)
		}
	}
	for _, bad := range []string{"", "30", "d", "0d", "last weeks", "this fortnight", "30x", "-3d", "last month", "last quarter"} {
		if _, err := kpi.ParseWindow(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestFilterOperators works each filter form out by hand on the fixture's
// October tickets (CSAT: answered tickets scoring 4 or 5 over answered
// ones), with t9's channel made empty and a numeric seats column on the
// customers (C1 10, C2 3, C3 25, the rest 1).
func TestFilterOperators(t *testing.T) {
	db := openFixture(t, fixture+`;
UPDATE tickets SET channel = NULL WHERE ticket_id = 't9';
ALTER TABLE customers ADD COLUMN seats INTEGER;
UPDATE customers SET seats = CASE customer_id WHEN 'C1' THEN 10 WHEN 'C2' THEN 3 WHEN 'C3' THEN 25 ELSE 1 END;`)
	eng := standardEngine(t, db)
	s := kpi.Slice{Grain: kpi.Month, Period: oct}
	csat := func(fs ...string) (*float64, int64) {
		t.Helper()
		sl := s
		for _, f := range fs {
			pf, err := kpi.ParseFilter(f)
			if err != nil {
				t.Fatal(err)
			}
			sl = sl.WithFilter(pf)
		}
		r := compute(t, eng, sl).Find("csat")
		if r.Err != nil {
			t.Fatalf("%v: %v", fs, r.Err)
		}
		return r.Total.Value, r.Total.N
	}
	check := func(what string, v *float64, n int64, wantV float64, wantN int64) {
		t.Helper()
		want(t, what, v, wantV)
		if n != wantN {
			t.Errorf("%s: n %d, want %d", what, n, wantN)
		}
	}
	// Answered in October: t1 chat 5, t2 chat 4, t3 email 3, t4 email 1, t9 (no channel) 5.
	v, n := csat("channel!=email")
	check("channel!=email keeps the empty channel", v, n, 100, 3) // t1 t2 t9
	v, n = csat("channel!=email,(blank)")
	check("channel!=email,(blank)", v, n, 100, 2) // t1 t2
	v, n = csat("channel!=chat,phone")
	check("channel!=chat,phone", v, n, 100.0/3, 3) // t3 t4 t9: 3, 1, 5
	v, n = csat("contacts>=2")
	check("contacts>=2", v, n, 50, 2) // t2 (2 contacts, 4), t4 (3, 1)
	v, n = csat("contacts<2")
	check("contacts<2", v, n, 200.0/3, 3) // t1 5, t3 3, t9 5 (t5 has no contacts: left out)
	v, n = csat("contacts>1", "contacts<=2")
	check("1 < contacts <= 2", v, n, 100, 1) // t2
	// A range on the customers' column, reached through the customer key.
	v, n = csat("seats>=10")
	check("seats>=10 (C1, C3)", v, n, 100.0/3, 3) // t1 5, t3 3, t4 1
	v, n = csat("seats<10", "channel!=chat")
	check("seats<10 and not chat (C2: t9)", v, n, 100, 1)
	v, n = csat("region!=EMEA")
	check("region!=EMEA (C2)", v, n, 100, 2) // t2 4, t9 5

	// Mistakes are refused with the fix.
	_, err := eng.Compute(context.Background(), s.WithFilter(kpi.Filter{Dim: "channel", Op: kpi.OpGE, Values: []string{"2"}}), nil)
	if err == nil || !strings.Contains(err.Error(), "holds text") || !strings.Contains(err.Error(), "channel=VALUE") {
		t.Errorf("a range on a text column: %v", err)
	}
	_, err = eng.Compute(context.Background(), s.WithFilter(kpi.Filter{Dim: "contacs", Op: kpi.OpGE, Values: []string{"2"}}), nil)
	if err == nil || !strings.Contains(err.Error(), `"contacts"`) {
		t.Errorf("an unknown column: %v", err)
	}
	ctx := context.Background()
	if err := eng.CheckFilterValues(ctx, kpi.Filter{Dim: "channel", Op: kpi.OpNotIn, Values: []string{"emial"}}); err == nil || !strings.Contains(err.Error(), `"email"`) {
		t.Errorf("an unknown value: %v", err)
	}
	if err := eng.CheckFilterValues(ctx, kpi.Filter{Dim: "channel", Values: []string{"chat", "web"}}); err != nil {
		t.Errorf("known values: %v", err)
	}
}
