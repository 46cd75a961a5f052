package server_test

import (
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator for tests: it applies what the SSH
// client receives (cursor moves, erases, scrolls, the alternate screen) to a
// grid of cells, so tests can assert on what a person would see. Bubble Tea's
// renderer redraws only what changed, with cursor and scroll optimisations,
// so searching the raw byte stream for text would be unreliable.
type screen struct {
	mu       sync.Mutex
	w, h     int
	main     [][]rune
	altBuf   [][]rune
	alt      bool
	x, y     int
	saved    [2]int
	top, bot int
	wrapNext bool
	autowrap bool
	last     rune
	bytes    int64
	raw      strings.Builder // everything received, for colour assertions
	p        *ansi.Parser
	changed  chan struct{} // closed and replaced on every write
}

func newScreen(w, h int) *screen {
	s := &screen{w: w, h: h, autowrap: true, changed: make(chan struct{})}
	s.main, s.altBuf = s.blank(), s.blank()
	s.top, s.bot = 0, h-1
	s.p = ansi.NewParser()
	s.p.SetParamsSize(32)
	s.p.SetDataSize(4096)
	s.p.SetHandler(ansi.Handler{
		Print:     s.print,
		Execute:   s.execute,
		HandleCsi: s.csi,
		HandleEsc: s.esc,
	})
	return s
}

// resize makes the emulated terminal w × h, as a real one does before its
// client sends the window change: the text stays where it was, cut to fit.
func (s *screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	copyInto := func(old [][]rune) [][]rune {
		g := s.blank()
		for y := 0; y < len(old) && y < h; y++ {
			copy(g[y], old[y])
		}
		return g
	}
	s.w, s.h = w, h
	s.main, s.altBuf = copyInto(s.main), copyInto(s.altBuf)
	s.top, s.bot = 0, h-1
	s.clamp()
}

func (s *screen) blank() [][]rune {
	g := make([][]rune, s.h)
	for i := range g {
		g[i] = s.blankLine()
	}
	return g
}

func (s *screen) blankLine() []rune {
	l := make([]rune, s.w)
	for i := range l {
		l[i] = ' '
	}
	return l
}

func (s *screen) grid() [][]rune {
	if s.alt {
		return s.altBuf
	}
	return s.main
}

// Write feeds received bytes to the emulator.
func (s *screen) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.bytes += int64(len(b))
	s.raw.Write(b)
	s.p.Parse(b)
	ch := s.changed
	s.changed = make(chan struct{})
	s.mu.Unlock()
	close(ch)
	return len(b), nil
}

// Text is the visible screen, trailing spaces trimmed.
func (s *screen) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, row := range s.grid() {
		var l strings.Builder
		for _, r := range row {
			if r != 0 {
				l.WriteRune(r)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		if i < len(s.grid())-1 {
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// state returns the bytes received so far, the raw stream, whether the
// alternate screen is on, and a channel closed at the next write.
func (s *screen) state() (n int64, alt bool, next <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.alt, s.changed
}

func (s *screen) Raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

func (s *screen) clamp() {
	s.x = max(0, min(s.x, s.w-1))
	s.y = max(0, min(s.y, s.h-1))
}

func (s *screen) print(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return
	}
	if s.wrapNext && s.autowrap {
		s.x = 0
		s.lineFeed()
	}
	s.wrapNext = false
	if s.x+w > s.w {
		if !s.autowrap {
			s.x = s.w - w
		} else {
			s.x = 0
			s.lineFeed()
		}
	}
	g := s.grid()
	g[s.y][s.x] = r
	for i := 1; i < w && s.x+i < s.w; i++ {
		g[s.y][s.x+i] = 0 // the right half of a wide character
	}
	s.last = r
	if s.x+w >= s.w {
		s.x = s.w - 1
		s.wrapNext = true
	} else {
		s.x += w
	}
}

func (s *screen) execute(b byte) {
	switch b {
	case '\r':
		s.x, s.wrapNext = 0, false
	case '\n', '\v', '\f':
		s.lineFeed()
	case '\b':
		if s.x > 0 {
			s.x--
		}
		s.wrapNext = false
	case '\t':
		s.x = min(s.w-1, (s.x/8+1)*8)
		s.wrapNext = false
	}
}

func (s *screen) lineFeed() {
	s.wrapNext = false
	switch {
	case s.y == s.bot:
		s.scrollUp(1)
	case s.y < s.h-1:
		s.y++
	}
}

func (s *screen) reverseIndex() {
	s.wrapNext = false
	switch {
	case s.y == s.top:
		s.scrollDown(1)
	case s.y > 0:
		s.y--
	}
}

// scrollUp moves the scroll region's lines up by n, blank lines entering at the bottom.
func (s *screen) scrollUp(n int) {
	g := s.grid()
	for range min(n, s.bot-s.top+1) {
		copy(g[s.top:s.bot], g[s.top+1:s.bot+1])
		g[s.bot] = s.blankLine()
	}
}

func (s *screen) scrollDown(n int) {
	g := s.grid()
	for range min(n, s.bot-s.top+1) {
		copy(g[s.top+1:s.bot+1], g[s.top:s.bot])
		g[s.top] = s.blankLine()
	}
}

func (s *screen) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return // charset designations and the like
	}
	switch cmd.Final() {
	case 'M':
		s.reverseIndex()
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case '7':
		s.saved = [2]int{s.x, s.y}
	case '8':
		s.x, s.y = s.saved[0], s.saved[1]
		s.wrapNext = false
	case 'c':
		s.main, s.altBuf, s.alt = s.blank(), s.blank(), false
		s.x, s.y, s.top, s.bot = 0, 0, 0, s.h-1
		s.wrapNext, s.autowrap = false, true
	}
}

func (s *screen) csi(cmd ansi.Cmd, params ansi.Params) {
	param := func(i, def int) int {
		v, _, ok := params.Param(i, def)
		if !ok || v <= 0 {
			return def
		}
		return v
	}
	n := param(0, 1)
	if cmd.Intermediate() != 0 {
		return // DECSCUSR and friends
	}
	if cmd.Prefix() == '?' {
		if f := cmd.Final(); f == 'h' || f == 'l' {
			on := f == 'h'
			for i := range params {
				switch params[i].Param(0) {
				case 1049, 1047, 47:
					if on && !s.alt {
						s.saved = [2]int{s.x, s.y}
						s.altBuf = s.blank()
						s.alt = true
					} else if !on && s.alt {
						s.alt = false
						s.x, s.y = s.saved[0], s.saved[1]
					}
				case 7:
					s.autowrap = on
				}
			}
		}
		return
	}
	if cmd.Prefix() != 0 {
		return
	}
	g := s.grid()
	s.wrapNext = false
	switch cmd.Final() {
	case 'A':
		s.y -= n
	case 'B', 'e':
		s.y += n
	case 'C', 'a':
		s.x += n
	case 'D':
		s.x -= n
	case 'E':
		s.y += n
		s.x = 0
	case 'F':
		s.y -= n
		s.x = 0
	case 'G', '`':
		s.x = n - 1
	case 'd':
		s.y = n - 1
	case 'H', 'f':
		s.y, s.x = param(0, 1)-1, param(1, 1)-1
	case 'J':
		mode, _, _ := params.Param(0, 0)
		switch mode {
		case 0:
			s.eraseLine(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				g[y] = s.blankLine()
			}
		case 1:
			for y := 0; y < s.y; y++ {
				g[y] = s.blankLine()
			}
			s.eraseLine(s.y, 0, s.x+1)
		default:
			for y := range g {
				g[y] = s.blankLine()
			}
		}
	case 'K':
		mode, _, _ := params.Param(0, 0)
		switch mode {
		case 0:
			s.eraseLine(s.y, s.x, s.w)
		case 1:
			s.eraseLine(s.y, 0, s.x+1)
		default:
			s.eraseLine(s.y, 0, s.w)
		}
	case 'X':
		s.eraseLine(s.y, s.x, s.x+n)
	case '@':
		row := g[s.y]
		n = min(n, s.w-s.x)
		copy(row[s.x+n:], row[s.x:s.w-n])
		s.eraseLine(s.y, s.x, s.x+n)
	case 'P':
		row := g[s.y]
		n = min(n, s.w-s.x)
		copy(row[s.x:], row[s.x+n:])
		s.eraseLine(s.y, s.w-n, s.w)
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			break
		}
		top := s.top
		s.top = s.y
		if cmd.Final() == 'L' {
			s.scrollDown(n)
		} else {
			s.scrollUp(n)
		}
		s.top = top
		s.x = 0
	case 'S':
		s.scrollUp(n)
	case 'T':
		s.scrollDown(n)
	case 'r':
		s.top, s.bot = param(0, 1)-1, param(1, s.h)-1
		if s.top >= s.bot || s.bot >= s.h {
			s.top, s.bot = 0, s.h-1
		}
		s.x, s.y = 0, 0
	case 'b':
		if s.last != 0 {
			for range n {
				s.print(s.last)
			}
		}
	case 's':
		s.saved = [2]int{s.x, s.y}
	case 'u':
		s.x, s.y = s.saved[0], s.saved[1]
	}
	s.clamp()
}

func (s *screen) eraseLine(y, from, to int) {
	row := s.grid()[y]
	for x := max(0, from); x < min(to, s.w); x++ {
		row[x] = ' '
	}
}
