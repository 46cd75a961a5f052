package kpi

import (
	"fmt"
	"strconv"
	"strings"
)

// The ClickHouse translator: the DuckDB SQL that definitions carry verbatim
// (aggregates, row filters, value formulas) rewritten for ClickHouse 18.16 and
// later. No SQL-parser library in Go reads DuckDB's dialect (FILTER clauses,
// ::casts, TRY_CAST, lambdas), so this is a small tokenizer and a
// recursive-descent parser over the portable subset, which emits ClickHouse
// text from the tree. Anything outside the subset is refused with an error
// naming the construct; the renderer adds the KPI.
//
// The portable subset:
//
//   - aggregates: count(*), count(x), count(DISTINCT x), sum, avg, min, max,
//     quantile_cont(x, p) and median(x), each with an optional
//     FILTER (WHERE cond), which becomes an -If combinator;
//   - row expressions: column names, numbers, strings, NULL, TRUE/FALSE,
//     arithmetic (+ - * /), comparisons, AND/OR/NOT, IS [NOT] NULL,
//     [NOT] BETWEEN, [NOT] IN (literal list), [NOT] LIKE, CASE, ||;
//     CAST/TRY_CAST/:: to DOUBLE, VARCHAR, DATE, TIMESTAMP; coalesce, nullif,
//     least, greatest, abs, round, floor, ceil, sqrt, exp, ln, log, log10,
//     log2, power, lower, upper, trim, length, date_diff (second, minute,
//     hour, day, millisecond, microsecond), epoch;
//   - value formulas: the same scalar expressions over the input names.
//
// SQL's NULL semantics are kept exactly where ClickHouse 18.16 differs:
// conditions are read as "is TRUE" (ifNull(c, 0)), NULL AND FALSE is FALSE
// (18.16 says NULL), NULL IN (…) is NULL (18.16 says 0, so NOT IN counted
// blanks), an aggregate over no values is NULL (ClickHouse's sum and min
// give 0) and a count is never NULL (18.16's countIf over a Nullable
// condition is NULL when every value is).
//
// quantile_cont(x, p) is DuckDB's interpolating quantile: with the n values
// sorted and h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]). 18.16 has
// no interpolating exact quantile (quantileExact returns the element at
// ⌊n·p⌋: the upper median of an even count; quantile interpolates but
// samples 8192 values), so the translation computes the same formula over
// arraySort(groupArrayIf(x, cond)): exact, equal to DuckDB's up to
// floating-point rounding. Its state is every value, like quantileExact's:
// on a Distributed table the shards send their values to the coordinator.

// chContext is where an expression stands.
type chContext int

const (
	chRow   chContext = iota // a row's value or condition: no aggregates
	chAgg                    // an aggregate expression: columns only inside aggregates
	chValue                  // a value formula over input names
)

// chTranslator translates one expression.
type chTranslator struct {
	ctx chContext
	// cohort: period_start and period_end are the bounds of the row's
	// cohort period, the tuple __per the renderer's arrayJoin gives.
	cohort bool
	// name maps a bare name in a value formula (chValue) to its ClickHouse
	// text; ok false refuses it.
	name func(string) (string, bool)
	// subs collects the scalar subqueries the expression reads; nil
	// refuses them (a value formula, a subquery's own expression, any
	// query but renderClickHouse's).
	subs *chSubqueries
}

// chSubqueries are the scalar subqueries of one query's expressions, each
// (SELECT aggregate FROM table) once, named by an alias: the renderer reads
// them with ARRAY JOIN [(SELECT …)] AS alias, one element each (every row
// kept once), so that ClickHouse computes each once on the server that
// receives the query (on a Distributed table, over every shard's rows) and
// the shards read a constant column. 18.16 runs a scalar subquery once per
// place it appears after aliases are expanded (a WITH alias is expanded
// too: the backlog's reads its as-of 76 times, 7 s on 900 rows), and one
// written inside an aggregate fails on its Distributed tables ("Not found
// column … in block").
type chSubqueries struct {
	// table writes a table name as the warehouse names it; nil: quoted.
	table   func(string) string
	aliases map[string]string // subquery text → alias
	joins   []string          // "[(SELECT …)] AS alias", in order
}

// add names a subquery's text by an alias (the same text, the same alias).
func (s *chSubqueries) add(sql string) string {
	if a, ok := s.aliases[sql]; ok {
		return a
	}
	if s.aliases == nil {
		s.aliases = map[string]string{}
	}
	a := fmt.Sprintf("__sq%d", len(s.joins))
	s.aliases[sql] = a
	s.joins = append(s.joins, "["+sql+"] AS "+a)
	return a
}

// arrayJoin is the ARRAY JOIN clause a FROM reading the subqueries has
// after its table ("" without subqueries).
func (s *chSubqueries) arrayJoin() string {
	if s == nil || len(s.joins) == 0 {
		return ""
	}
	return " ARRAY JOIN " + strings.Join(s.joins, ", ")
}

// translateClickHouse translates a DuckDB expression for ClickHouse in a
// context: an aggregate (chAgg), a row condition or value (chRow).
// A scalar subquery is refused: only renderClickHouse reads them (see
// chSubqueries).
func translateClickHouse(expr string, ctx chContext) (string, error) {
	return (&chTranslator{ctx: ctx}).translate(expr, false)
}

// translateClickHouseCohort translates an aggregate of a cohort KPI, which
// may read period_start and period_end.
func translateClickHouseCohort(expr string) (string, error) {
	return (&chTranslator{ctx: chAgg, cohort: true}).translate(expr, false)
}

// translateClickHouseCond translates a row condition to a ClickHouse UInt8
// that is 1 exactly where the SQL condition is TRUE (cohort: it may read
// period_start and period_end).
func translateClickHouseCond(expr string, cohort bool) (string, error) {
	return (&chTranslator{ctx: chRow, cohort: cohort}).translate(expr, true)
}

// translateClickHouseValue translates a value formula whose names are
// mapped by name.
func translateClickHouseValue(expr string, name func(string) (string, bool)) (string, error) {
	return (&chTranslator{ctx: chValue, name: name}).translate(expr, false)
}

func (t *chTranslator) translate(expr string, cond bool) (string, error) {
	toks, err := chTokenize(expr)
	if err != nil {
		return "", err
	}
	p := &chParser{toks: toks}
	n, err := p.parseExpr()
	if err != nil {
		return "", err
	}
	if !p.at(tkEOF, "") {
		return "", fmt.Errorf("unexpected %s", p.peek().describe())
	}
	if cond {
		return t.cond(n, false)
	}
	return t.value(n, t.ctx == chAgg, false)
}

// ---- tokens

type tkKind int

const (
	tkEOF    tkKind = iota
	tkWord          // a bare word: keyword, function or column name
	tkIdent         // a "quoted" identifier (its text unquoted)
	tkNumber        // a numeric literal, as written
	tkString        // a 'string' literal (its text unquoted)
	tkOp            // punctuation and operators
)

type chToken struct {
	kind tkKind
	text string
}

func (k chToken) describe() string {
	switch k.kind {
	case tkEOF:
		return "end of expression"
	case tkString:
		return "'" + k.text + "'"
	case tkIdent:
		return `"` + k.text + `"`
	}
	return k.text
}

// chTokenize splits DuckDB SQL into tokens.
func chTokenize(s string) ([]chToken, error) {
	var out []chToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			return nil, fmt.Errorf("comments are not translatable to ClickHouse")
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated quote in %q", s)
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			k := tkString
			if c == '"' {
				k = tkIdent
			}
			out = append(out, chToken{k, b.String()})
			i = j + 1
		case isWordStart(c):
			j := i
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			out = append(out, chToken{tkWord, s[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					for k < len(s) && s[k] >= '0' && s[k] <= '9' {
						k++
					}
					j = k
				}
			}
			if j < len(s) && isWordChar(s[j]) {
				return nil, fmt.Errorf("malformed number %q", s[i:j+1])
			}
			if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
				return nil, fmt.Errorf("malformed number %q", s[i:j])
			}
			out = append(out, chToken{tkNumber, s[i:j]})
			i = j
		default:
			op := string(c)
			if i+1 < len(s) {
				switch two := s[i : i+2]; two {
				case "<=", ">=", "<>", "!=", "::", "||", "->", "==":
					op = two
				}
			}
			if !strings.Contains("()+-*/%,<>=!:|.[]{}?$;-", op[:1]) {
				return nil, fmt.Errorf("unexpected character %q", op)
			}
			out = append(out, chToken{tkOp, op})
			i += len(op)
		}
	}
	return append(out, chToken{kind: tkEOF}), nil
}

// ---- the tree

type chNode struct {
	kind string // num str null bool ident unary binary isnull between in like case cast call star subquery repeats
	text string // num: as written; str, ident: the text; unary, binary: the operator; cast: the type; call: the function (lower case)
	args []*chNode
	not  bool // isnull, between, in, like: negated; cast: TRY_CAST
	// call: DISTINCT, FILTER (WHERE filter); case: operand (nil = searched
	// CASE), whens/thens in args pairs and els (nil = none).
	distinct bool
	filter   *chNode
	operand  *chNode
	els      *chNode
	// subquery: the table (text) and the expression (args[0]). repeats:
	// list's argument (args[0]) or its struct's fields (args, named by
	// fields), key the field counted (-1: the whole value), least the
	// count a value needs (text), distinct and filter as list's.
	fields []string
	key    int
}

type chParser struct {
	toks []chToken
	pos  int
}

func (p *chParser) peek() chToken { return p.toks[p.pos] }
func (p *chParser) next() chToken {
	t := p.toks[p.pos]
	if t.kind != tkEOF {
		p.pos++
	}
	return t
}

// at reports whether the next token is of kind k with text s (any text
// when s is ""; words compare case-insensitively).
func (p *chParser) at(k tkKind, s string) bool {
	t := p.peek()
	if t.kind != k {
		return false
	}
	return s == "" || t.text == s || k == tkWord && strings.EqualFold(t.text, s)
}

func (p *chParser) atWord(s string) bool { return p.at(tkWord, s) }
func (p *chParser) atOp(s string) bool   { return p.at(tkOp, s) }

func (p *chParser) expectOp(s string) error {
	if !p.atOp(s) {
		return fmt.Errorf("expected %q, found %s", s, p.peek().describe())
	}
	p.next()
	return nil
}

func (p *chParser) expectWord(s string) error {
	if !p.atWord(s) {
		return fmt.Errorf("expected %s, found %s", s, p.peek().describe())
	}
	p.next()
	return nil
}

func (p *chParser) parseExpr() (*chNode, error) { return p.parseOr() }

func (p *chParser) parseOr() (*chNode, error) {
	l, err := p.parseAnd()
	for err == nil && p.atWord("OR") {
		p.next()
		var r *chNode
		if r, err = p.parseAnd(); err == nil {
			l = &chNode{kind: "binary", text: "OR", args: []*chNode{l, r}}
		}
	}
	return l, err
}

func (p *chParser) parseAnd() (*chNode, error) {
	l, err := p.parseNot()
	for err == nil && p.atWord("AND") {
		p.next()
		var r *chNode
		if r, err = p.parseNot(); err == nil {
			l = &chNode{kind: "binary", text: "AND", args: []*chNode{l, r}}
		}
	}
	return l, err
}

func (p *chParser) parseNot() (*chNode, error) {
	if p.atWord("NOT") {
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &chNode{kind: "unary", text: "NOT", args: []*chNode{x}}, nil
	}
	return p.parseCmp()
}

func (p *chParser) parseCmp() (*chNode, error) {
	l, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.atOp("=") || p.atOp("==") || p.atOp("<>") || p.atOp("!=") || p.atOp("<") || p.atOp("<=") || p.atOp(">") || p.atOp(">="):
			op := p.next().text
			switch op {
			case "==":
				op = "="
			case "<>":
				op = "!="
			}
			r, err := p.parseAdd()
			if err != nil {
				return nil, err
			}
			l = &chNode{kind: "binary", text: op, args: []*chNode{l, r}}
		case p.atWord("IS"):
			p.next()
			not := false
			if p.atWord("NOT") {
				p.next()
				not = true
			}
			if !p.atWord("NULL") {
				return nil, fmt.Errorf("IS %s is not translatable to ClickHouse", p.peek().describe())
			}
			p.next()
			l = &chNode{kind: "isnull", args: []*chNode{l}, not: not}
		case p.atWord("NOT") || p.atWord("BETWEEN") || p.atWord("IN") || p.atWord("LIKE") || p.atWord("ILIKE"):
			not := false
			if p.atWord("NOT") {
				p.next()
				not = true
			}
			switch {
			case p.atWord("BETWEEN"):
				p.next()
				lo, err := p.parseAdd()
				if err != nil {
					return nil, err
				}
				if err := p.expectWord("AND"); err != nil {
					return nil, err
				}
				hi, err := p.parseAdd()
				if err != nil {
					return nil, err
				}
				l = &chNode{kind: "between", args: []*chNode{l, lo, hi}, not: not}
			case p.atWord("IN"):
				p.next()
				if err := p.expectOp("("); err != nil {
					return nil, err
				}
				if p.atWord("SELECT") {
					return nil, fmt.Errorf("a subquery is not translatable to ClickHouse")
				}
				n := &chNode{kind: "in", args: []*chNode{l}, not: not}
				for {
					x, err := p.parseExpr()
					if err != nil {
						return nil, err
					}
					n.args = append(n.args, x)
					if !p.atOp(",") {
						break
					}
					p.next()
				}
				if err := p.expectOp(")"); err != nil {
					return nil, err
				}
				l = n
			case p.atWord("LIKE"):
				p.next()
				r, err := p.parseAdd()
				if err != nil {
					return nil, err
				}
				l = &chNode{kind: "like", args: []*chNode{l, r}, not: not}
			case p.atWord("ILIKE"):
				return nil, fmt.Errorf("ILIKE is not translatable to ClickHouse")
			default:
				return nil, fmt.Errorf("unexpected NOT before %s", p.peek().describe())
			}
		default:
			return l, nil
		}
	}
}

func (p *chParser) parseAdd() (*chNode, error) {
	l, err := p.parseMul()
	for err == nil && (p.atOp("+") || p.atOp("-") || p.atOp("||")) {
		op := p.next().text
		var r *chNode
		if r, err = p.parseMul(); err == nil {
			l = &chNode{kind: "binary", text: op, args: []*chNode{l, r}}
		}
	}
	return l, err
}

func (p *chParser) parseMul() (*chNode, error) {
	l, err := p.parseUnary()
	for err == nil && (p.atOp("*") || p.atOp("/") || p.atOp("%")) {
		op := p.next().text
		if op == "%" {
			return nil, fmt.Errorf("%% (modulo) is not translatable to ClickHouse")
		}
		var r *chNode
		if r, err = p.parseUnary(); err == nil {
			l = &chNode{kind: "binary", text: op, args: []*chNode{l, r}}
		}
	}
	return l, err
}

func (p *chParser) parseUnary() (*chNode, error) {
	if p.atOp("-") || p.atOp("+") {
		op := p.next().text
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return x, nil
		}
		return &chNode{kind: "unary", text: "-", args: []*chNode{x}}, nil
	}
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.atOp("::") {
		p.next()
		typ, err := p.parseType()
		if err != nil {
			return nil, err
		}
		x = &chNode{kind: "cast", text: typ, args: []*chNode{x}}
	}
	if p.atOp("[") || p.atOp(".") || p.atOp("->") {
		return nil, fmt.Errorf("%s is not translatable to ClickHouse", p.peek().text)
	}
	return x, nil
}

// parseType reads a type name (with an optional (p, s)), upper case.
func (p *chParser) parseType() (string, error) {
	if !p.at(tkWord, "") {
		return "", fmt.Errorf("expected a type, found %s", p.peek().describe())
	}
	typ := strings.ToUpper(p.next().text)
	for p.at(tkWord, "") { // DOUBLE PRECISION, TIMESTAMP WITH TIME ZONE
		typ += " " + strings.ToUpper(p.next().text)
	}
	if p.atOp("(") {
		for !p.atOp(")") && !p.at(tkEOF, "") {
			p.next()
		}
		if err := p.expectOp(")"); err != nil {
			return "", err
		}
		typ += "(…)"
	}
	return typ, nil
}

// keywords that cannot be column names here.
var chReserved = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IS": true, "IN": true, "BETWEEN": true, "LIKE": true,
	"THEN": true, "WHEN": true, "ELSE": true, "END": true, "AS": true, "FROM": true, "WHERE": true,
	"SELECT": true, "FILTER": true, "OVER": true, "DISTINCT": true, "INTERVAL": true,
}

func (p *chParser) parsePrimary() (*chNode, error) {
	t := p.peek()
	switch t.kind {
	case tkNumber:
		p.next()
		return &chNode{kind: "num", text: t.text}, nil
	case tkString:
		p.next()
		return &chNode{kind: "str", text: t.text}, nil
	case tkIdent:
		p.next()
		return &chNode{kind: "ident", text: t.text}, nil
	case tkOp:
		if t.text == "(" {
			p.next()
			if p.atWord("SELECT") {
				return p.parseSubquery()
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if p.atOp(",") {
				return nil, fmt.Errorf("a row value is not translatable to ClickHouse")
			}
			return x, p.expectOp(")")
		}
		if t.text == "*" {
			return nil, fmt.Errorf("* is only translatable in count(*)")
		}
		if t.text == "[" {
			return nil, fmt.Errorf("a list ([…]) is not translatable to ClickHouse")
		}
		return nil, fmt.Errorf("unexpected %q", t.text)
	case tkEOF:
		return nil, fmt.Errorf("unexpected end of expression")
	}
	// A word.
	w := strings.ToUpper(t.text)
	switch w {
	case "NULL":
		p.next()
		return &chNode{kind: "null"}, nil
	case "TRUE", "FALSE":
		p.next()
		return &chNode{kind: "bool", text: w}, nil
	case "CASE":
		return p.parseCase()
	case "CAST", "TRY_CAST":
		p.next()
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectWord("AS"); err != nil {
			return nil, err
		}
		typ, err := p.parseType()
		if err != nil {
			return nil, err
		}
		return &chNode{kind: "cast", text: typ, args: []*chNode{x}, not: w == "TRY_CAST"}, p.expectOp(")")
	case "TIMESTAMP", "DATE":
		// A typed literal, TIMESTAMP '2026-02-01': a cast of the string.
		if p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tkString {
			k := p.toks[p.pos+1]
			p.next()
			p.next()
			return &chNode{kind: "cast", text: w, args: []*chNode{{kind: "str", text: k.text}}}, nil
		}
	case "INTERVAL", "EXTRACT", "EXISTS", "SELECT":
		return nil, fmt.Errorf("%s is not translatable to ClickHouse", w)
	case "CURRENT_DATE", "CURRENT_TIMESTAMP", "CURRENT_TIME", "LOCALTIMESTAMP":
		return nil, fmt.Errorf("%s is not translatable to ClickHouse", strings.ToLower(w))
	}
	if chReserved[w] {
		return nil, fmt.Errorf("unexpected %s", w)
	}
	p.next()
	if !p.atOp("(") {
		if p.atOp(".") {
			return nil, fmt.Errorf("a qualified name (%s.…) is not translatable to ClickHouse", t.text)
		}
		return &chNode{kind: "ident", text: t.text}, nil
	}
	// A function call: refused by its name before its arguments are read
	// (a lambda or a struct literal in them is not even parsed).
	n := &chNode{kind: "call", text: strings.ToLower(t.text)}
	if n.text == "list_count" {
		return p.parseRepeats()
	}
	if !chCallable(n.text) {
		return nil, fmt.Errorf("%s is not translatable to ClickHouse", n.text)
	}
	p.next()
	if p.atOp("*") {
		p.next()
		n.args = []*chNode{{kind: "star"}}
	} else if !p.atOp(")") {
		if p.atWord("DISTINCT") {
			p.next()
			n.distinct = true
		} else if p.atWord("ALL") {
			p.next()
		}
		for {
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, x)
			if !p.atOp(",") {
				break
			}
			p.next()
		}
		if p.atWord("ORDER") {
			return nil, fmt.Errorf("ORDER BY in %s is not translatable to ClickHouse", n.text)
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if p.atWord("WITHIN") {
		return nil, fmt.Errorf("WITHIN GROUP is not translatable to ClickHouse")
	}
	if p.atWord("FILTER") {
		p.next()
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		if err := p.expectWord("WHERE"); err != nil {
			return nil, err
		}
		f, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		n.filter = f
	}
	if p.atWord("OVER") {
		return nil, fmt.Errorf("a window function (OVER) is not translatable to ClickHouse")
	}
	return n, nil
}

// parseSubquery reads a scalar subquery after its "(": the one shape the
// translator knows, (SELECT aggregate FROM table), over the whole table (the
// backlog's as-of instant, catalog_backlog.go).
func (p *chParser) parseSubquery() (*chNode, error) {
	refuse := fmt.Errorf("a subquery other than (SELECT aggregate FROM table) is not translatable to ClickHouse")
	p.next() // SELECT
	if p.atWord("DISTINCT") || p.atWord("ALL") {
		return nil, refuse
	}
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if !p.atWord("FROM") {
		return nil, refuse
	}
	p.next()
	t := p.next()
	if t.kind != tkIdent && (t.kind != tkWord || chReserved[strings.ToUpper(t.text)]) || !p.atOp(")") {
		return nil, refuse
	}
	p.next()
	return &chNode{kind: "subquery", text: t.text, args: []*chNode{x}}, nil
}

// parseRepeats reads list_count, after its name: the one DuckDB list idiom
// the translator knows, the number of values occurring k or more times in a
// group (the repeat rate's customers with 2+ distinct orders, catalog.go):
//
//	list_count(list_filter(map_values(list_histogram(L)), x -> x >= k))
//
// (or x > k), L being list([DISTINCT] e) [FILTER (WHERE c)] or
// list_transform(list([DISTINCT] {'f': e, …}) [FILTER (WHERE c)], s -> s.f).
func (p *chParser) parseRepeats() (*chNode, error) {
	refuse := fmt.Errorf("list_count is not translatable to ClickHouse but as the count of values occurring k or more times: list_count(list_filter(map_values(list_histogram(list([DISTINCT] x))), v -> v >= k))")
	ok := true
	op := func(s string) {
		if ok && !p.atOp(s) {
			ok = false
		}
		if ok {
			p.next()
		}
	}
	word := func(s string) string {
		t := p.peek()
		if ok && (t.kind != tkWord || s != "" && !strings.EqualFold(t.text, s) || s == "" && chReserved[strings.ToUpper(t.text)]) {
			ok = false
		}
		if !ok {
			return ""
		}
		p.next()
		return t.text
	}
	n := &chNode{kind: "repeats", key: -1}
	list := func(structs bool) error {
		word("list")
		op("(")
		if ok && p.atWord("DISTINCT") {
			p.next()
			n.distinct = true
		}
		if !ok {
			return nil
		}
		if structs {
			op("{")
			for ok {
				t := p.next()
				if t.kind != tkString && t.kind != tkWord && t.kind != tkIdent {
					ok = false
					break
				}
				op(":")
				if !ok {
					break
				}
				x, err := p.parseExpr()
				if err != nil {
					return err
				}
				n.fields = append(n.fields, t.text)
				n.args = append(n.args, x)
				if !p.atOp(",") {
					break
				}
				p.next()
			}
			op("}")
		} else {
			x, err := p.parseExpr()
			if err != nil {
				return err
			}
			n.args = []*chNode{x}
		}
		op(")")
		if ok && p.atWord("FILTER") {
			p.next()
			op("(")
			word("WHERE")
			if !ok {
				return nil
			}
			f, err := p.parseExpr()
			if err != nil {
				return err
			}
			n.filter = f
			op(")")
		}
		return nil
	}
	op("(")
	word("list_filter")
	op("(")
	word("map_values")
	op("(")
	word("list_histogram")
	op("(")
	if ok && p.atWord("list_transform") {
		p.next()
		op("(")
		if err := list(true); err != nil {
			return nil, err
		}
		op(",")
		v := word("")
		op("->")
		if ok && !strings.EqualFold(word(""), v) {
			ok = false
		}
		op(".")
		f := word("")
		for i, name := range n.fields {
			if strings.EqualFold(name, f) {
				n.key = i
			}
		}
		if n.key < 0 {
			ok = false
		}
		op(")")
	} else if err := list(false); err != nil {
		return nil, err
	}
	op(")")
	op(")")
	op(",")
	v := word("")
	op("->")
	if ok && !strings.EqualFold(word(""), v) {
		ok = false
	}
	least := 0
	switch {
	case !ok:
	case p.atOp(">=") || p.atOp(">"):
		gt := p.next().text == ">"
		k, err := strconv.Atoi(p.next().text)
		if err != nil || k < 0 || k > 1000000 {
			ok = false
			break
		}
		if gt {
			k++
		}
		least = max(k, 1) // every value occurs once at least
	default:
		ok = false
	}
	op(")")
	op(")")
	if !ok {
		return nil, refuse
	}
	n.text = strconv.Itoa(least)
	return n, nil
}

func (p *chParser) parseCase() (*chNode, error) {
	p.next() // CASE
	n := &chNode{kind: "case"}
	if !p.atWord("WHEN") {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.operand = x
	}
	for p.atWord("WHEN") {
		p.next()
		w, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectWord("THEN"); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, w, v)
	}
	if len(n.args) == 0 {
		return nil, fmt.Errorf("CASE without WHEN")
	}
	if p.atWord("ELSE") {
		p.next()
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.els = e
	}
	return n, p.expectWord("END")
}

// ---- emitting ClickHouse

// chQuoteIdent quotes an identifier for ClickHouse: backticks, with
// backslash escapes (18.16 reads \` and \\ inside them).
func chQuoteIdent(name string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(name) + "`"
}

// chQuoteString is a ClickHouse string literal.
func chQuoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// chAggregates are the aggregate functions of the subset.
var chAggregates = map[string]bool{"count": true, "sum": true, "avg": true, "mean": true, "min": true, "max": true, "quantile_cont": true, "median": true}

// chKnownAggregates are other DuckDB aggregates, refused by name rather
// than as unknown functions.
var chKnownAggregates = map[string]bool{"list": true, "string_agg": true, "array_agg": true, "histogram": true, "mode": true,
	"quantile_disc": true, "quantile": true, "stddev": true, "stddev_samp": true, "stddev_pop": true, "variance": true,
	"var_samp": true, "var_pop": true, "any_value": true, "first": true, "last": true, "arg_min": true, "arg_max": true,
	"bool_and": true, "bool_or": true, "approx_count_distinct": true, "approx_quantile": true, "product": true, "corr": true,
	"covar_pop": true, "covar_samp": true, "entropy": true, "kurtosis": true, "skewness": true, "mad": true, "fsum": true}

// value emits n as a ClickHouse expression with SQL's value (NULLs
// included). agg: at the aggregate level of an aggregate expression
// (columns must sit inside an aggregate); inAgg: inside an aggregate's
// arguments.
func (t *chTranslator) value(n *chNode, agg, inAgg bool) (string, error) {
	sub := func(x *chNode) (string, error) { return t.value(x, agg, inAgg) }
	switch n.kind {
	case "num":
		return n.text, nil
	case "str":
		return chQuoteString(n.text), nil
	case "null":
		return "NULL", nil
	case "bool":
		if n.text == "TRUE" {
			return "1", nil
		}
		return "0", nil
	case "star":
		return "", fmt.Errorf("* is only translatable in count(*)")
	case "ident":
		if t.ctx == chValue {
			if s, ok := t.name(n.text); ok {
				return s, nil
			}
			return "", fmt.Errorf("%s is not an input of the formula", n.text)
		}
		if agg && !inAgg {
			return "", fmt.Errorf("column %s outside an aggregate is not translatable to ClickHouse", n.text)
		}
		switch strings.ToLower(n.text) {
		case "period_start", "period_end":
			if !t.cohort {
				return "", fmt.Errorf("%s outside a cohort KPI is not translatable to ClickHouse", strings.ToLower(n.text))
			}
			if strings.ToLower(n.text) == "period_start" {
				return "tupleElement(__per, 1)", nil
			}
			return "tupleElement(__per, 2)", nil
		}
		return chQuoteIdent(n.text), nil
	case "unary":
		x, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		if n.text == "NOT" {
			return "not(" + x + ")", nil // NOT NULL is NULL in both
		}
		return "-(" + x + ")", nil
	case "binary":
		switch n.text {
		case "AND", "OR":
			// Three-valued, as SQL: 18.16 makes NULL AND FALSE NULL.
			c, err := t.condAt(n, false, agg, inAgg)
			if err != nil {
				return "", err
			}
			f, err := t.condAt(n, true, agg, inAgg)
			if err != nil {
				return "", err
			}
			return "multiIf(" + c + ", 1, " + f + ", 0, NULL)", nil
		}
		l, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		r, err := sub(n.args[1])
		if err != nil {
			return "", err
		}
		if n.text == "||" {
			return "concat(" + l + ", " + r + ")", nil
		}
		if chIsTimestamp(n.args[0]) || chIsTimestamp(n.args[1]) {
			switch n.text {
			case "=", "!=", "<", "<=", ">", ">=":
				// 18.16 compares a Date with a DateTime by their raw
				// numbers (days against seconds); DuckDB compares a DATE
				// with a TIMESTAMP as its midnight: make both DateTimes.
				// A string literal is read as DuckDB reads it: a date
				// alone is its midnight.
				dt := func(x string, n *chNode) string {
					if n.kind == "str" {
						return "parseDateTimeBestEffort(" + x + ", 'UTC')"
					}
					return "toDateTime(" + x + ", 'UTC')"
				}
				l, r = dt(l, n.args[0]), dt(r, n.args[1])
			}
		}
		return "(" + l + " " + n.text + " " + r + ")", nil
	case "isnull":
		x, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		if n.not {
			return "isNotNull(" + x + ")", nil
		}
		return "isNull(" + x + ")", nil
	case "between":
		// x BETWEEN lo AND hi is x >= lo AND x <= hi, three-valued.
		and := &chNode{kind: "binary", text: "AND", args: []*chNode{
			{kind: "binary", text: ">=", args: []*chNode{n.args[0], n.args[1]}},
			{kind: "binary", text: "<=", args: []*chNode{n.args[0], n.args[2]}}}}
		if n.not {
			and = &chNode{kind: "unary", text: "NOT", args: []*chNode{and}}
		}
		return sub(and)
	case "in":
		x, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		var items []string
		for _, a := range n.args[1:] {
			if a.kind == "unary" && a.text == "-" && len(a.args) == 1 && a.args[0].kind == "num" {
				items = append(items, "-"+a.args[0].text)
				continue
			}
			if a.kind != "num" && a.kind != "str" {
				return "", fmt.Errorf("IN with a list of other than literal numbers and strings is not translatable to ClickHouse")
			}
			s, _ := sub(a)
			items = append(items, s)
		}
		op := "in"
		if n.not {
			op = "notIn"
		}
		// 18.16 says NULL IN (…) is 0, so NOT IN would keep blanks.
		return "if(isNull(" + x + "), NULL, " + op + "(" + x + ", (" + strings.Join(items, ", ") + ")))", nil
	case "like":
		x, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		pat, err := sub(n.args[1])
		if err != nil {
			return "", err
		}
		if n.not {
			return "notLike(" + x + ", " + pat + ")", nil
		}
		return "like(" + x + ", " + pat + ")", nil
	case "case":
		var parts []string
		for i := 0; i < len(n.args); i += 2 {
			w := n.args[i]
			if n.operand != nil {
				w = &chNode{kind: "binary", text: "=", args: []*chNode{n.operand, w}}
			}
			c, err := t.condAt(w, false, agg, inAgg)
			if err != nil {
				return "", err
			}
			v, err := sub(n.args[i+1])
			if err != nil {
				return "", err
			}
			parts = append(parts, c, v)
		}
		els := "NULL"
		if n.els != nil {
			var err error
			if els, err = sub(n.els); err != nil {
				return "", err
			}
		}
		return "multiIf(" + strings.Join(parts, ", ") + ", " + els + ")", nil
	case "cast":
		x, err := sub(n.args[0])
		if err != nil {
			return "", err
		}
		if n.args[0].kind == "str" && !n.not && (n.text == "TIMESTAMP" || n.text == "DATETIME") {
			// A literal as DuckDB reads it: '2026-02-01' is its midnight
			// (toDateTime wants the time too).
			return "parseDateTimeBestEffort(" + x + ", 'UTC')", nil
		}
		return chCast(x, n.text, n.not)
	case "call":
		return t.call(n, agg, inAgg)
	case "subquery":
		if t.subs == nil {
			return "", fmt.Errorf("a subquery is not translatable to ClickHouse here (only in a KPI's own aggregates and where:)")
		}
		// Its own aggregate over its own table, with no period bounds.
		inner := &chTranslator{ctx: chAgg}
		x, err := inner.value(n.args[0], true, false)
		if err != nil {
			return "", fmt.Errorf("subquery: %w", err)
		}
		table := chQuoteIdent(n.text)
		if t.subs.table != nil {
			table = t.subs.table(n.text)
		}
		return t.subs.add("(SELECT " + x + " FROM " + table + ")"), nil
	case "repeats":
		if t.ctx != chAgg || inAgg {
			return "", fmt.Errorf("list_count is an aggregate here and is not allowed")
		}
		return t.repeats(n)
	}
	return "", fmt.Errorf("%s is not translatable to ClickHouse", n.kind)
}

// chIsTimestamp reports whether an expression is known to be a timestamp
// (a cohort's period bound, a CAST to TIMESTAMP or DATE), so that what it
// is compared with is read as one.
func chIsTimestamp(n *chNode) bool {
	switch n.kind {
	case "ident":
		l := strings.ToLower(n.text)
		return l == "period_start" || l == "period_end"
	case "cast":
		return !n.not && (n.text == "TIMESTAMP" || n.text == "DATETIME" || n.text == "DATE")
	}
	return false
}

// chCast is a CAST (or TRY_CAST) of x to a DuckDB type.
func chCast(x, typ string, try bool) (string, error) {
	switch typ {
	case "DOUBLE", "FLOAT8", "DOUBLE PRECISION", "FLOAT", "FLOAT4", "REAL":
		if try {
			// DuckDB's TRY_CAST reads text around spaces; 18.16's OrNull does not.
			return "toFloat64OrNull(replaceRegexpAll(toString(" + x + "), '^ +| +$', ''))", nil
		}
		return "toFloat64(" + x + ")", nil
	case "VARCHAR", "TEXT", "STRING":
		return "toString(" + x + ")", nil
	case "DATE":
		if !try {
			// A DateTime at the date's midnight, UTC: 18.16 compares a Date
			// with a DateTime by their raw numbers.
			return "toDateTime(toDate(" + x + ", 'UTC'), 'UTC')", nil
		}
	case "TIMESTAMP", "DATETIME":
		if !try {
			return "toDateTime(" + x + ", 'UTC')", nil
		}
	}
	kind := "CAST"
	if try {
		kind = "TRY_CAST"
	}
	return "", fmt.Errorf("%s to %s is not translatable to ClickHouse", kind, typ)
}

// chDiffUnits maps a date_diff part to the toRelative…Num function counting
// its boundaries, and a factor for parts finer than a DateTime's second.
var chDiffUnits = map[string]struct {
	fn     string
	factor string
}{
	"second": {"toRelativeSecondNum", ""}, "seconds": {"toRelativeSecondNum", ""}, "s": {"toRelativeSecondNum", ""},
	"minute": {"toRelativeMinuteNum", ""}, "minutes": {"toRelativeMinuteNum", ""},
	"hour": {"toRelativeHourNum", ""}, "hours": {"toRelativeHourNum", ""},
	"day": {"toRelativeDayNum", ""}, "days": {"toRelativeDayNum", ""},
	"millisecond": {"toRelativeSecondNum", "1000"}, "milliseconds": {"toRelativeSecondNum", "1000"},
	"microsecond": {"toRelativeSecondNum", "1000000"}, "microseconds": {"toRelativeSecondNum", "1000000"},
}

// chScalar maps DuckDB scalar functions to ClickHouse's of the same
// arguments.
var chScalar = map[string]string{
	"coalesce": "coalesce", "nullif": "nullIf", "abs": "abs", "floor": "floor", "ceil": "ceil", "ceiling": "ceil",
	"sqrt": "sqrt", "exp": "exp", "ln": "log", "log": "log10", "log10": "log10", "log2": "log2",
	"power": "pow", "pow": "pow", "lower": "lowerUTF8", "upper": "upperUTF8", "length": "lengthUTF8",
}

// chCallable reports whether the translator knows a function.
func chCallable(name string) bool {
	switch name {
	case "least", "greatest", "round", "trim", "ltrim", "rtrim", "date_diff", "datediff", "epoch":
		return true
	}
	_, scalar := chScalar[name]
	return scalar || chAggregates[name]
}

// chArity is the number of arguments a scalar takes (-1: one or more).
var chArity = map[string]int{"coalesce": -1, "nullif": 2, "power": 2, "pow": 2}

func (t *chTranslator) call(n *chNode, agg, inAgg bool) (string, error) {
	name := n.text
	if chAggregates[name] {
		if t.ctx != chAgg {
			return "", fmt.Errorf("aggregate %s is not allowed here", name)
		}
		if inAgg {
			return "", fmt.Errorf("an aggregate inside an aggregate (%s) is not translatable to ClickHouse", name)
		}
		return t.aggregate(n)
	}
	if chKnownAggregates[name] || strings.HasPrefix(name, "list_") || strings.HasPrefix(name, "array_") || strings.HasPrefix(name, "map_") {
		return "", fmt.Errorf("%s is not translatable to ClickHouse", name)
	}
	if n.filter != nil {
		return "", fmt.Errorf("FILTER on %s, which is not an aggregate", name)
	}
	if n.distinct {
		return "", fmt.Errorf("DISTINCT in %s", name)
	}
	args := make([]string, len(n.args))
	for i, a := range n.args {
		if a.kind == "star" {
			return "", fmt.Errorf("* is only translatable in count(*)")
		}
		s, err := t.value(a, agg, inAgg)
		if err != nil {
			return "", err
		}
		args[i] = s
	}
	want := func(k int) error {
		if len(args) != k {
			return fmt.Errorf("%s takes %d arguments, not %d", name, k, len(args))
		}
		return nil
	}
	switch name {
	case "least", "greatest":
		// DuckDB's skip NULLs and take any number; 18.16's take two.
		if len(args) < 1 {
			return "", fmt.Errorf("%s needs arguments", name)
		}
		acc := args[0]
		for _, b := range args[1:] {
			acc = fmt.Sprintf("multiIf(isNull(%[1]s), %[2]s, isNull(%[2]s), %[1]s, %[3]s(%[1]s, %[2]s))", acc, b, name)
		}
		return acc, nil
	case "round":
		// Half away from zero, as DuckDB; ClickHouse rounds floats half to
		// even in later releases.
		digits := 0
		switch len(args) {
		case 1:
		case 2:
			d, err := strconv.Atoi(args[1])
			if err != nil || d < 0 || d > 15 {
				return "", fmt.Errorf("round with other than a literal 0…15 digits is not translatable to ClickHouse")
			}
			digits = d
		default:
			return "", want(1)
		}
		x := "toFloat64(" + args[0] + ")"
		if digits == 0 {
			return fmt.Sprintf("if(%[1]s < 0, -floor(0.5 - %[1]s), floor(%[1]s + 0.5))", x), nil
		}
		f := "1e" + strconv.Itoa(digits)
		return fmt.Sprintf("(if(%[1]s < 0, -floor(0.5 - %[1]s * %[2]s), floor(%[1]s * %[2]s + 0.5)) / %[2]s)", x, f), nil
	case "trim", "ltrim", "rtrim":
		if err := want(1); err != nil {
			return "", err
		}
		re := map[string]string{"trim": "^ +| +$", "ltrim": "^ +", "rtrim": " +$"}[name]
		return "replaceRegexpAll(" + args[0] + ", '" + re + "', '')", nil
	case "date_diff", "datediff":
		if err := want(3); err != nil {
			return "", err
		}
		if n.args[0].kind != "str" {
			return "", fmt.Errorf("date_diff with a part other than a literal is not translatable to ClickHouse")
		}
		u, ok := chDiffUnits[strings.ToLower(n.args[0].text)]
		if !ok {
			return "", fmt.Errorf("date_diff by %s is not translatable to ClickHouse", n.args[0].text)
		}
		d := fmt.Sprintf("(%[1]s(toDateTime(%[3]s, 'UTC'), 'UTC') - %[1]s(toDateTime(%[2]s, 'UTC'), 'UTC'))", u.fn, args[1], args[2])
		if u.factor != "" {
			d = "(" + d + " * " + u.factor + ")"
		}
		return d, nil
	case "epoch":
		if err := want(1); err != nil {
			return "", err
		}
		return "toFloat64(toUnixTimestamp(toDateTime(" + args[0] + ", 'UTC')))", nil
	}
	if fn, ok := chScalar[name]; ok {
		k, ok := chArity[name]
		if !ok {
			k = 1
		}
		if k < 0 {
			if len(args) == 0 {
				return "", fmt.Errorf("%s needs arguments", name)
			}
		} else if err := want(k); err != nil {
			return "", err
		}
		return fn + "(" + strings.Join(args, ", ") + ")", nil
	}
	return "", fmt.Errorf("%s is not translatable to ClickHouse", name)
}

// aggregate emits an aggregate call with its FILTER as an -If combinator.
func (t *chTranslator) aggregate(n *chNode) (string, error) {
	name := n.text
	filter := ""
	if n.filter != nil {
		c, err := t.condAt(n.filter, false, true, true)
		if err != nil {
			return "", err
		}
		filter = c
	}
	and := func(a, b string) string {
		switch {
		case a == "":
			return b
		case b == "":
			return a
		}
		return a + " AND " + b
	}
	if name == "count" && len(n.args) == 1 && n.args[0].kind == "star" {
		if n.distinct {
			return "", fmt.Errorf("count(DISTINCT *) is not translatable to ClickHouse")
		}
		if filter == "" {
			return "count()", nil
		}
		return "countIf(" + filter + ")", nil
	}
	var args []string
	for _, a := range n.args {
		if a.kind == "star" {
			return "", fmt.Errorf("%s(*) is not translatable to ClickHouse", name)
		}
		s, err := t.value(a, false, true)
		if err != nil {
			return "", err
		}
		args = append(args, s)
	}
	if len(args) == 0 {
		return "", fmt.Errorf("%s needs an argument", name)
	}
	x := args[0]
	kept := and("isNotNull("+x+")", filter) // the rows an aggregate of x reads
	orNull := func(agg string) string {
		// No values: NULL, as SQL (ClickHouse's sum and min give 0).
		return "if(countIf(" + kept + ") = 0, NULL, " + agg + ")"
	}
	switch name {
	case "count":
		if len(args) != 1 {
			return "", fmt.Errorf("count takes one argument")
		}
		if n.distinct {
			return "ifNull(uniqExactIf(" + x + ", " + kept + "), 0)", nil
		}
		return "countIf(" + kept + ")", nil
	case "sum", "avg", "mean", "min", "max":
		if len(args) != 1 {
			return "", fmt.Errorf("%s takes one argument", name)
		}
		if n.distinct {
			return "", fmt.Errorf("%s(DISTINCT …) is not translatable to ClickHouse", name)
		}
		fn := map[string]string{"sum": "sumIf", "avg": "avgIf", "mean": "avgIf", "min": "minIf", "max": "maxIf"}[name]
		return orNull(fn + "(" + x + ", " + kept + ")"), nil
	case "quantile_cont", "median":
		if n.distinct {
			return "", fmt.Errorf("%s(DISTINCT …) is not translatable to ClickHouse", name)
		}
		p := "0.5"
		if name == "quantile_cont" {
			if len(args) != 2 {
				return "", fmt.Errorf("quantile_cont with other than one value and one literal fraction is not translatable to ClickHouse")
			}
			f, err := strconv.ParseFloat(args[1], 64)
			if err != nil || n.args[1].kind != "num" || f < 0 || f > 1 {
				return "", fmt.Errorf("quantile_cont with other than a literal fraction in [0, 1] is not translatable to ClickHouse")
			}
			p = args[1]
		} else if len(args) != 1 {
			return "", fmt.Errorf("median takes one argument")
		}
		a := "arraySort(groupArrayIf(toFloat64(" + x + "), " + kept + "))"
		h := "((greatest(length(" + a + "), 1) - 1) * " + p + ")"
		lo := "arrayElement(" + a + ", toUInt64(floor(" + h + ")) + 1)"
		hi := "arrayElement(" + a + ", toUInt64(ceil(" + h + ")) + 1)"
		return "if(empty(" + a + "), NULL, " + lo + " + (" + h + " - floor(" + h + ")) * (" + hi + " - " + lo + "))", nil
	}
	return "", fmt.Errorf("%s is not translatable to ClickHouse", name)
}

// repeats emits list_count's idiom (parseRepeats): the list as an array
// of the group (groupArrayIf, or groupUniqArrayIf for DISTINCT; a struct as
// a tuple), its counted values (the struct's field), and the number of
// values whose arrayEnumerateUniq reaches k (each value's k-th occurrence
// once). As DuckDB: list keeps NULLs and DISTINCT takes NULLs as equal (a
// tuple with a NULL field is kept and compared so), list_histogram skips
// NULL values and is NULL when it has none (no rows, or only NULLs).
func (t *chTranslator) repeats(n *chNode) (string, error) {
	filter := ""
	if n.filter != nil {
		c, err := t.condAt(n.filter, false, true, true)
		if err != nil {
			return "", err
		}
		filter = c
	}
	var items []string
	for _, a := range n.args {
		x, err := t.value(a, false, true)
		if err != nil {
			return "", err
		}
		items = append(items, x)
	}
	elem, val := items[0], items[0]
	if n.key >= 0 {
		elem = "tuple(" + strings.Join(items, ", ") + ")"
		val = items[n.key]
	}
	kept := "isNotNull(" + val + ")"
	if filter != "" {
		kept += " AND " + filter
	}
	fn := "groupArrayIf"
	if n.distinct {
		fn = "groupUniqArrayIf"
	}
	arr := fn + "(" + elem + ", " + kept + ")"
	if n.key >= 0 {
		arr = fmt.Sprintf("arrayMap(__s -> tupleElement(__s, %d), %s)", n.key+1, arr)
	}
	return fmt.Sprintf("if(countIf(%s) = 0, NULL, arrayCount(__k -> __k = %s, arrayEnumerateUniq(%s)))", kept, n.text, arr), nil
}

// cond emits a condition as a ClickHouse UInt8 (never NULL): 1 where the
// SQL condition is TRUE, or with isFalse where it is FALSE (NULL is
// neither).
func (t *chTranslator) cond(n *chNode, isFalse bool) (string, error) {
	return t.condAt(n, isFalse, t.ctx == chAgg, false)
}

func (t *chTranslator) condAt(n *chNode, isFalse, agg, inAgg bool) (string, error) {
	switch {
	case n.kind == "unary" && n.text == "NOT":
		return t.condAt(n.args[0], !isFalse, agg, inAgg)
	case n.kind == "binary" && (n.text == "AND" || n.text == "OR"):
		l, err := t.condAt(n.args[0], isFalse, agg, inAgg)
		if err != nil {
			return "", err
		}
		r, err := t.condAt(n.args[1], isFalse, agg, inAgg)
		if err != nil {
			return "", err
		}
		op := n.text
		if isFalse { // NOT (a AND b) is NOT a OR NOT b
			op = map[string]string{"AND": "OR", "OR": "AND"}[op]
		}
		return "(" + l + " " + op + " " + r + ")", nil
	case n.kind == "between":
		and := &chNode{kind: "binary", text: "AND", args: []*chNode{
			{kind: "binary", text: ">=", args: []*chNode{n.args[0], n.args[1]}},
			{kind: "binary", text: "<=", args: []*chNode{n.args[0], n.args[2]}}}}
		return t.condAt(and, isFalse != n.not, agg, inAgg)
	case n.kind == "bool":
		if (n.text == "TRUE") != isFalse {
			return "1", nil
		}
		return "0", nil
	case n.kind == "null":
		return "0", nil
	}
	v, err := t.value(n, agg, inAgg)
	if err != nil {
		return "", err
	}
	if isFalse {
		return "ifNull(not(" + v + "), 0)", nil
	}
	return "ifNull(" + v + ", 0)", nil
}
