package server_test

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"kpiscope/internal/server"
)

// A key that is not in authorized_keys is refused, and the log says which.
func TestUnknownKeyRefused(t *testing.T) {
	allowed, stranger := newKey(t), newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, allowed)
	c, err := ts.dial("eve", gossh.PublicKeys(stranger))
	if err == nil {
		c.Close()
		t.Fatal("an unknown key was let in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("error = %v", err)
	}
	ts.waitLog(t, waitLong, "WARN", "connection refused", "user=eve", gossh.FingerprintSHA256(stranger.PublicKey()), "addr=127.0.0.1:")
}

// Passwords and keyboard-interactive are never offered, whatever is typed;
// the attempt shows in the log.
func TestPasswordRefused(t *testing.T) {
	key := newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, key)
	for _, auth := range []gossh.AuthMethod{
		gossh.Password("hunter2"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil }),
	} {
		c, err := ts.dial("root", auth)
		if err == nil {
			c.Close()
			t.Fatal("logged in without a key")
		}
		if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("error = %v", err)
		}
	}
	ts.waitLog(t, waitLong, "connection refused", "user=root")
	// The server offers public keys only, so the client never sends the password.
	c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User: "root",
		Auth: []gossh.AuthMethod{gossh.PasswordCallback(func() (string, error) {
			t.Error("the server asked for a password")
			return "hunter2", nil
		})},
		HostKeyCallback: gossh.FixedHostKey(ts.HostKey()),
	})
	if err == nil {
		c.Close()
	}
}

// The authorized_keys file is re-read when it changes: a key added is let
// in without a restart, and a removed file lets nobody in.
func TestAuthorizedKeysReloaded(t *testing.T) {
	alice, bob := newKey(t), newKey(t)
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, alice)
	if c, err := ts.dial("bob", gossh.PublicKeys(bob)); err == nil {
		c.Close()
		t.Fatal("bob was let in before being added")
	}
	f, err := os.OpenFile(ts.keysPth, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# added later\n" + authorizedLine(bob, "bob@laptop") + "not a key line\n")
	f.Close()
	c, err := ts.dial("bob", gossh.PublicKeys(bob))
	if err != nil {
		t.Fatalf("bob after being added: %v", err)
	}
	c.Close()
	ts.waitLog(t, waitLong, "authorized keys: line skipped", "line=4")
	if err := os.Remove(ts.keysPth); err != nil {
		t.Fatal(err)
	}
	if c, err := ts.dial("alice", gossh.PublicKeys(alice)); err == nil {
		c.Close()
		t.Fatal("alice let in with the authorized_keys file gone")
	}
}

// The host key is created on first start with mode 0600, reused after, and
// refused when others can read it.
func TestHostKey(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte(authorizedLine(newKey(t), "a@b")), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "host_ed25519")
	cfg := server.Config{HostKeyPath: path, AuthorizedKeysPath: keys}
	first, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", st.Mode().Perm())
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatalf("no .pub beside the key: %v", err)
	}
	if !strings.HasPrefix(string(pub), "ssh-ed25519 ") {
		t.Errorf(".pub = %q", pub)
	}
	second, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := gossh.FingerprintSHA256(first.HostKey()), gossh.FingerprintSHA256(second.HostKey()); a != b {
		t.Errorf("host key changed across restarts: %s then %s", a, b)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := server.New(cfg); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable host key: err = %v, want a chmod 600 hint", err)
		}
	}
	if _, err := server.New(server.Config{HostKeyPath: filepath.Join(dir, "missing", "key"), AuthorizedKeysPath: keys}); err == nil {
		t.Error("a host key in a missing directory was accepted")
	}
}

// Configurations that would let nobody or anybody in are refused with a
// message that says what to do.
func TestConfigRefused(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty_keys")
	if err := os.WriteFile(empty, []byte("# nobody yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	host := filepath.Join(dir, "host")
	for _, tc := range []struct {
		name string
		cfg  server.Config
		want string
	}{
		{"no keys at all", server.Config{HostKeyPath: host}, "--authorized-keys"},
		{"both", server.Config{HostKeyPath: host, AuthorizedKeysPath: empty, AllowAnyKey: true}, "not both"},
		{"empty file", server.Config{HostKeyPath: host, AuthorizedKeysPath: empty}, "no public keys"},
		{"missing file", server.Config{HostKeyPath: host, AuthorizedKeysPath: filepath.Join(dir, "nope")}, "no such file"},
		{"no host key", server.Config{AllowAnyKey: true}, "--host-key"},
	} {
		_, err := server.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// Without an authorized-keys file only loopback addresses may listen, and
// only with --allow-any-key.
func TestCheckExposure(t *testing.T) {
	anyKey := server.Config{AllowAnyKey: true}
	withKeys := server.Config{AuthorizedKeysPath: "keys"}
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 23234} }
	for _, tc := range []struct {
		addr net.Addr
		cfg  server.Config
		ok   bool
	}{
		{tcp("127.0.0.1"), anyKey, true},
		{tcp("::1"), anyKey, true},
		{tcp("127.0.0.1"), server.Config{}, false},
		{tcp("0.0.0.0"), anyKey, false},
		{tcp("::"), anyKey, false},
		{tcp("192.0.2.10"), anyKey, false},
		{tcp("0.0.0.0"), withKeys, true},
		{tcp("192.0.2.10"), withKeys, true},
	} {
		err := server.CheckExposure(tc.addr, tc.cfg)
		if (err == nil) != tc.ok {
			t.Errorf("%s (any key %v, keys %q): err = %v", tc.addr, tc.cfg.AllowAnyKey, tc.cfg.AuthorizedKeysPath, err)
		}
	}
}

// --allow-any-key on loopback lets any key in (never a password), for demos.
func TestAllowAnyKeyOnLoopback(t *testing.T) {
	ts := startServer(t, server.Config{AllowAnyKey: true}, (&sliceFactory{}).New)
	c := ts.open(t, "demo", newKey(t), termOpts{})
	c.waitForText(waitLong, "CSAT")
	if cl, err := ts.dial("demo", gossh.Password("x")); err == nil {
		cl.Close()
		t.Error("a password was accepted with --allow-any-key")
	}
}
