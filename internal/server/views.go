package server

import (
	"fmt"
	"strings"
)

// Saved views over SSH (issue 15): `ssh -t host NAME` opens the explorer on
// the saved view NAME. The command is only ever a name to look up, never
// run. When the server was given Config.View, any command is taken at the
// protocol level so that the client hears why one is refused: a name no
// view has gets the names, and so does a command that could not be a
// view's name (more than one word, a path, a shell line); the session then
// ends with status 1 before anything starts. Without Config.View every
// command is refused at the protocol level, as are subsystems.

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

// unknownView is why the command a session gave opens no view, for the
// client's terminal; "" when it names none or a view that exists. A command
// that is no view's name is refused whatever Config.View answers.
func (s *Server) unknownView(cmd string) string {
	if cmd == "" || s.cfg.View == nil {
		return ""
	}
	err := s.cfg.View(cmd)
	if err == nil && !viewWord(cmd) {
		err = fmt.Errorf("%.40q is no saved view's name: a name is one word of up to 64 letters, digits, -, _ and .", cmd)
	}
	if err != nil {
		return strings.ReplaceAll(err.Error(), "\n", "\r\n") + "; connect without a command for the first screen"
	}
	return ""
}
