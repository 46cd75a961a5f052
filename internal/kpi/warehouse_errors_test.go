package kpi

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestWarehouseServerErrors: what a user can fix on the server's side is
// said with the fix (review of issue 16): a wrong password or an unknown
// user is a refused login, not an unreachable server; a query over the
// memory limit names the setting to raise, on one line, without the
// server's stack trace.
func TestWarehouseServerErrors(t *testing.T) {
	dsn1, _, _ := chEnv(t)
	ctx := context.Background()
	u, err := url.Parse(dsn1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user *url.Userinfo
		want string
	}{
		{url.UserPassword(u.User.Username(), "not-the-password"), "the server refused the login (Wrong password for user default); wrong password: check the URL's password or password_env:"},
		{url.User("nobody_here"), "the server refused the login (Unknown user nobody_here); no such user on the server: check the URL's USER"},
	} {
		v := *u
		v.User = c.user
		w, err := OpenWarehouse(ctx, v.String(), WarehouseOptions{})
		if err == nil {
			w.Close()
			t.Fatalf("%s: no error", v.Redacted())
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("%s:\n got %v\nwant …%s", v.Redacted(), err, c.want)
		}
	}
	v := *u
	v.RawQuery = "max_memory_usage=1000000"
	w, err := OpenWarehouse(ctx, v.String(), WarehouseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.Read(ctx, "SELECT groupArray(number) FROM system.numbers_mt LIMIT 10000000")
	if err == nil || !strings.Contains(err.Error(), "code: 241") || !strings.Contains(err.Error(), "raise it (?max_memory_usage=BYTES on the URL, or settings: in warehouse:)") ||
		strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "Stack trace") {
		t.Errorf("over the memory limit: %v", err)
	}
}
