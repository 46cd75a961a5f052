package server

import "strings"

// Saved views over SSH (issue 15): `ssh -t host NAME` opens the explorer on
// the saved view NAME. The command is only ever a name to look up: a
// command that could not be a view's name (more than one word, a path, a
// shell line) is refused at the protocol level like any other, and a name
// is read only when the server was given Config.View.

// viewWord reports whether cmd could name a saved view: one word of
// letters, digits, '-', '_' and '.', at most 64 bytes, starting with a
// letter or digit (config.ValidViewName).
func viewWord(cmd string) bool {
	if cmd == "" || len(cmd) > 64 {
		return false
	}
	for i, r := range cmd {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok && (i == 0 || !strings.ContainsRune("-_.", r)) {
			return false
		}
	}
	return true
}

// unknownView is why the view a session named cannot be opened, for the
// client's terminal; "" when it names none or one that exists.
func (s *Server) unknownView(cmd string) string {
	if cmd == "" || s.cfg.View == nil {
		return ""
	}
	if err := s.cfg.View(cmd); err != nil {
		return strings.ReplaceAll(err.Error(), "\n", "\r\n") + "; connect without a command for the first screen"
	}
	return ""
}
