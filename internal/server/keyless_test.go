package server_test

import (
	"strings"
	"testing"

	"kpiscope/internal/server"
)

// TestKeylessClientRefused: a client with no key to offer (ssh on a machine
// without ~/.ssh/id_*, or with the agent empty) gets "Permission denied
// (publickey)" from OpenSSH, which is the server offering public keys only;
// the log names the reason so an operator can tell the user what to do
// (README, "Connecting").
func TestKeylessClientRefused(t *testing.T) {
	ts := startServer(t, server.Config{}, (&sliceFactory{}).New, newKey(t))
	c, err := ts.dial("ann")
	if err == nil {
		c.Close()
		t.Fatal("a client without a key was let in")
	}
	// x/crypto/ssh's words for OpenSSH's "Permission denied (publickey)":
	// the only method left to try is publickey.
	if !strings.Contains(err.Error(), "unable to authenticate, attempted methods [none], no supported methods remain") {
		t.Errorf("error = %v", err)
	}
	ts.waitLog(t, waitLong, "connection refused", "user=ann", `reason="no public key offered"`)
}
