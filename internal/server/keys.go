package server

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"charm.land/log/v2"
	gossh "golang.org/x/crypto/ssh"
)

// loadHostKey reads the server's private key, creating an ed25519 key with
// mode 0600 (and its .pub beside it) when the file does not exist yet, so the
// fingerprint users pin in known_hosts survives restarts.
func loadHostKey(path string) (signer gossh.Signer, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("no host key path: give --host-key FILE (created on first start)")
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		signer, err := createHostKey(path)
		return signer, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	if st.IsDir() {
		return nil, false, fmt.Errorf("host key %s is a directory; give the path of a key file", path)
	}
	// Like sshd: a private key others can read is no longer private.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("host key %s can be read by other users (mode %04o); run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	signer, err = gossh.ParsePrivateKey(b)
	var pp *gossh.PassphraseMissingError
	if errors.As(err, &pp) {
		return nil, false, fmt.Errorf("host key %s is protected by a passphrase; the server needs an unencrypted key (mode 0600)", path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key %s is not a private key: %w", path, err)
	}
	return signer, false, nil
}

func createHostKey(path string) (gossh.Signer, error) {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("host key %s: the directory %s does not exist", path, dir)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "kpiscope host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	// O_EXCL: two servers started at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create host key: %w", err)
	}
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write host key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write host key: %w", err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	// The public half is for operators to publish (known_hosts lines); failing
	// to write it does not stop the server.
	_ = os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sshPub), 0o644)
	return signer, nil
}

// authorizedKeys is an OpenSSH authorized_keys file, re-read when it changes
// so that adding or removing a user needs no restart.
type authorizedKeys struct {
	path string
	log  *log.Logger

	mu      sync.Mutex
	modTime time.Time
	size    int64
	keys    map[string]string // marshalled key → comment
	broken  bool              // the last read failed: nobody gets in until it is fixed
}

func loadAuthorizedKeys(path string, logger *log.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: logger}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	if err := a.read(st); err != nil {
		return nil, err
	}
	if len(a.keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s has no public keys: add one line per user, as in ~/.ssh/authorized_keys (ssh-ed25519 AAAA… alice@laptop)", path)
	}
	return a, nil
}

// Len is the number of keys allowed in.
func (a *authorizedKeys) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.keys)
}

// lookup reports whether key may log in and the comment it was listed with.
func (a *authorizedKeys) lookup(key gossh.PublicKey) (comment string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := os.Stat(a.path)
	switch {
	case err != nil:
		// Fail closed: a removed file means nobody, not everybody.
		if !a.broken {
			a.log.Error("authorized keys unreadable: refusing every key until it is back", "path", a.path, "err", err)
		}
		a.broken, a.keys = true, nil
		a.modTime, a.size = time.Time{}, -1
	case a.broken || !st.ModTime().Equal(a.modTime) || st.Size() != a.size:
		if err := a.read(st); err != nil {
			if !a.broken {
				a.log.Error("authorized keys unreadable: refusing every key until it is fixed", "path", a.path, "err", err)
			}
			a.broken, a.keys = true, nil
		} else {
			a.log.Info("authorized keys reloaded", "path", a.path, "keys", len(a.keys))
		}
	}
	comment, ok = a.keys[string(key.Marshal())]
	return comment, ok
}

// read parses the file; a line that is not a key is skipped with a warning
// naming the line, so one typo does not lock everybody out.
func (a *authorizedKeys) read(st fs.FileInfo) error {
	b, err := os.ReadFile(a.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, comment, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			a.log.Warn("authorized keys: line skipped, not a public key", "path", a.path, "line", n, "err", err)
			continue
		}
		if len(options) > 0 {
			// Every key gets the same thing (the explorer and nothing else),
			// so from=, command= and the like have nothing to restrict; say so
			// rather than let an operator believe from= is enforced.
			a.log.Warn("authorized keys: options are not enforced by kpiscope serve", "path", a.path, "line", n, "options", strings.Join(options, ","))
		}
		keys[string(pub.Marshal())] = comment
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("authorized keys %s: %w", a.path, err)
	}
	a.keys, a.modTime, a.size, a.broken = keys, st.ModTime(), st.Size(), false
	return nil
}
