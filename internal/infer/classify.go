package infer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"kpiscope/internal/schema"
)

// ColumnKind is what a column looks like it holds.
type ColumnKind string

// Column kinds, from the column's type, values and name.
const (
	ColTime       ColumnKind = "time"       // a DATE or TIMESTAMP column
	ColIdentifier ColumnKind = "identifier" // an id: customer, order, ticket, call …
	ColScore      ColumnKind = "score"      // answers on a 1–5, 1–7 or 0–10 scale
	ColFlag       ColumnKind = "flag"       // two values meaning yes and no
	ColStatus     ColumnKind = "status"     // a customer status with a churned value (Stayed / Churned / Joined)
	ColDuration   ColumnKind = "duration"   // seconds, minutes, hours a thing took
	ColAmount     ColumnKind = "amount"     // money
	ColCount      ColumnKind = "count"      // a whole-number count (contacts, quantity)
	ColCategory   ColumnKind = "category"   // text with a handful of values
	ColText       ColumnKind = "text"       // free text or high-cardinality labels
	ColNumber     ColumnKind = "number"     // any other number
	ColOther      ColumnKind = "other"      // times of day, lists, blobs
	ColPeriod     ColumnKind = "period"     // a year, quarter, month or week number (YEAR_ID, QTR_ID): part of a date, not an id
	ColContact    ColumnKind = "contact"    // a person's name, phone, e-mail, street address or postal code: never a segment
)

var (
	amountStems  = []string{"amount", "revenue", "sales", "sale", "price", "value", "dollar", "spend", "spent", "paid", "charge", "cost", "gmv", "usd", "eur", "gbp", "profit", "income", "fee", "margin"}
	countStems   = []string{"contacts", "contact", "touches", "interactions", "replies", "attempts", "transfers", "quantity", "qty", "number", "count", "num", "cds", "items", "units"}
	churnValues  = []string{"churned", "churn", "cancelled", "canceled", "terminated", "inactive", "lapsed", "attrited", "exited", "left"}
	joinedValues = []string{"joined", "new"}
	yesNo        = [][2]string{{"y", "n"}, {"yes", "no"}, {"true", "false"}, {"t", "f"}, {"1", "0"}}
)

// classify sets Kind, Dimension, Scale, True and Unit for every column and
// picks the table's time axis.
func classify(tp *TableProfile) {
	for _, c := range tp.Columns {
		classifyColumn(c, tp.Rows)
	}
	tp.Time = pickTime(tp)
}

func classifyColumn(c *ColumnProfile, rows int64) {
	toks := schema.Tokens(c.Name)
	switch {
	case schema.IsTime(c.Type):
		c.Kind = ColTime
		return
	case isPeriodName(toks) && (schema.IsNumeric(c.Type) && c.Integral || schema.IsText(c.Type)):
		c.Kind = ColPeriod
		return
	case (schema.LooksLikeID(c.Name) || isOrderNumber(c.Name)) && (schema.IsText(c.Type) || schema.IsNumeric(c.Type) && c.Integral):
		c.Kind = ColIdentifier
		return
	case isContactName(toks):
		c.Kind = ColContact
		return
	}
	if f, ok := flagTrue(c); ok {
		c.Kind, c.True = ColFlag, f
		c.Dimension = !schema.HasStem(toks, "churn")
		return
	}
	if schema.IsText(c.Type) {
		if ch, joined, ok := statusValues(c); ok {
			c.Kind, c.True, c.Joined = ColStatus, ch, joined
			return
		}
		switch {
		case c.Distinct >= 2 && c.Distinct <= 60:
			c.Kind = ColCategory
		case c.NonNull >= 20 && c.Distinct == c.NonNull && len(c.Max) <= 40 && len(c.Min) <= 40:
			c.Kind = ColIdentifier // unique short labels: a key without "id" in its name
			return
		case c.Distinct > 60 && c.Distinct <= 500 && c.NonNull >= 20*c.Distinct:
			c.Kind = ColCategory // many values but many rows each: airlines, states
		default:
			c.Kind = ColText
		}
		c.Dimension = c.Kind == ColCategory && !schema.HasStem(toks, "churn")
		return
	}
	if !schema.IsNumeric(c.Type) {
		c.Kind = ColOther
		return
	}
	if s, named := namedScale(toks); named && c.Integral {
		// A column named for a KPI is that KPI's score: answers off its
		// scale are the data-quality check's to report, not a reason to
		// read it as another scale (a csat holding a 9 is not NPS).
		if schema.ShareWithin(c.Values, c.MinNum, c.MaxNum, s) >= namedScaleShare {
			c.Kind, c.Scale = ColScore, &s
		} else {
			c.Kind = ColNumber
			c.Note = fmt.Sprintf("named for a %s score but only %s of its answers are %s: no KPI is guessed from it", strings.ToUpper(scaleKPI[s]), schema.Percent(schema.ShareWithin(c.Values, c.MinNum, c.MaxNum, s)), s)
		}
		return
	}
	if schema.IsScoreName(toks) && c.Integral && c.Distinct >= 3 {
		if s, ok := schema.DetectScale(toks, c.Values, c.MinNum, c.MaxNum); ok {
			c.Kind, c.Scale = ColScore, &s
			return
		}
	}
	switch {
	case schema.HasStem(toks, "tenure", "age"):
		c.Kind = ColNumber
	case schema.IsDurationName(toks):
		c.Kind = ColDuration
		c.Unit = durationUnit(toks)
	case schema.HasStem(toks, amountStems...):
		c.Kind = ColAmount
	case c.Integral && schema.HasStem(toks, countStems...):
		c.Kind = ColCount
	default:
		c.Kind = ColNumber
	}
}

// flagTrue reports whether a column holds two values meaning yes and no, and
// which one is yes.
func flagTrue(c *ColumnProfile) (string, bool) {
	if schema.IsBool(c.Type) {
		return "true", true
	}
	if len(c.Values) != 2 || !(schema.IsText(c.Type) || schema.IsNumeric(c.Type) && c.Integral) {
		return "", false
	}
	a, b := c.Values[0].Value, c.Values[1].Value
	la, lb := strings.ToLower(strings.TrimSpace(a)), strings.ToLower(strings.TrimSpace(b))
	for _, p := range yesNo {
		if la == p[0] && lb == p[1] {
			return a, true
		}
		if lb == p[0] && la == p[1] {
			return b, true
		}
	}
	return "", false
}

// statusValues finds a churned value (and a joined value) among a status
// column's few values: Stayed / Churned / Joined.
func statusValues(c *ColumnProfile) (churned, joined string, ok bool) {
	if len(c.Values) < 2 || len(c.Values) > 8 {
		return "", "", false
	}
	for _, v := range c.Values {
		l := strings.ToLower(strings.TrimSpace(v.Value))
		for _, w := range churnValues {
			if l == w && churned == "" {
				churned = v.Value
			}
		}
		for _, w := range joinedValues {
			if l == w {
				joined = v.Value
			}
		}
	}
	return churned, joined, churned != ""
}

func durationUnit(toks []string) string {
	switch {
	case schema.HasStem(toks, "second", "secs") || schema.HasWord(toks, "sec", "s"):
		return "s"
	case schema.HasStem(toks, "minute", "mins") || schema.HasWord(toks, "min", "m"):
		return "m"
	case schema.HasStem(toks, "hour", "hrs") || schema.HasWord(toks, "hr", "h"):
		return "h"
	case schema.HasStem(toks, "days") || schema.HasWord(toks, "day", "d"):
		return "d"
	}
	return ""
}

// timeRank orders a table's time columns: the moment a row starts its life
// (ordered, created, signed up, sent) is the natural axis; shipping, closing
// and churn dates come later.
func timeRank(name string) int {
	toks := schema.Tokens(name)
	switch {
	case schema.HasStem(toks, "order", "created", "create", "opened", "submitted", "signup", "sent", "purchase", "transaction", "invoice", "call", "start", "received", "logged"):
		return 3
	case schema.HasStem(toks, "ship", "end", "resolved", "solved", "closed", "churn", "cancel", "due", "birth", "updated", "modified", "deleted", "last", "expir"):
		return 1
	}
	return 2
}

func pickTime(tp *TableProfile) string { return pickTimeBut(tp, "") }

// pickTimeBut picks the time axis among the dates of any entity but skip
// ("customer": a ticket export's signup date dates its customer, not its
// tickets).
func pickTimeBut(tp *TableProfile, skip string) string {
	var cands []*ColumnProfile
	for _, c := range tp.Columns {
		if c.Kind == ColTime && c.NonNull > 0 && (skip == "" || timeEntity(c.Name) != skip) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	sort.SliceStable(cands, func(i, j int) bool {
		ri, rj := timeRank(cands[i].Name), timeRank(cands[j].Name)
		if ri != rj {
			return ri > rj
		}
		return cands[i].NonNull > cands[j].NonNull
	})
	return cands[0].Name
}

// namedScaleShare is the share of answers a column named for a KPI must
// have on that KPI's scale to be read as its score.
const namedScaleShare = 0.8

var scaleKPI = map[schema.Scale]string{schema.Scale5: "csat", schema.Scale10: "nps"}

// namedScale is the scale of the KPI a column is named for: CSAT (1–5) or
// NPS (0–10). Effort scores come in 1–5 and 1–7 alike and are left to the
// values.
func namedScale(toks []string) (schema.Scale, bool) {
	switch {
	case schema.HasWord(toks, "csat") || schema.HasStem(toks, "satisf"):
		return schema.Scale5, true
	case schema.HasWord(toks, "nps") || schema.HasStem(toks, "recommend", "promot"):
		return schema.Scale10, true
	}
	return schema.Scale{}, false
}

var periodWords = map[string]bool{"year": true, "yr": true, "qtr": true, "quarter": true, "month": true, "mon": true, "week": true, "wk": true,
	"fiscal": true, "fy": true, "id": true, "no": true, "num": true, "number": true, "of": true}

// isPeriodName reports whether a column's name says it holds a period
// number (YEAR_ID, QTR_ID, month, fiscal_year): part of a date, never an
// identifier.
func isPeriodName(toks []string) bool {
	period := false
	for _, t := range toks {
		if !periodWords[t] {
			return false
		}
		period = period || t != "id" && t != "no" && t != "num" && t != "number" && t != "of"
	}
	return period
}

var orderNumberRE = regexp.MustCompile(`^(sales)?(order|invoice|transaction|receipt|basket|purchase)(id|no|nr|num|number|key|code|ref)$`)

// isOrderNumber reports whether a column's name says it numbers orders
// (ORDERNUMBER, order_no, InvoiceNo, "Order ID"): an order id, whatever
// its type. Line numbers within an order (ORDERLINENUMBER) are not.
func isOrderNumber(name string) bool {
	compact := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(name))
	return orderNumberRE.MatchString(compact)
}

var contactTail = map[string]bool{"code": true, "number": true, "no": true, "num": true, "nr": true, "line": true}

var personNameParts = []string{"first", "last", "sur", "full", "contact", "customer", "client", "person", "given", "family", "middle", "user", "member"}

// isContactName reports whether a column's name says it holds a person's
// name or contact details (phone, e-mail, street address, postal code):
// values that identify people or places one by one, never a segment.
func isContactName(toks []string) bool {
	// The contact word ends the name, before a code, number or line
	// number (Postal Code, ADDRESSLINE1, phone_no): Phone_Service is a
	// service, not a number.
	end := len(toks)
	for end > 0 && (contactTail[toks[end-1]] || toks[end-1][0] >= '0' && toks[end-1][0] <= '9') {
		end--
	}
	if end > 0 {
		last := toks[end-1 : end]
		if schema.HasStem(last, "phone", "telephone", "fax", "mobile", "email", "address", "street", "postal", "postcode", "zipcode") ||
			schema.HasWord(last, "zip", "mail", "tel", "surname") {
			return true
		}
	}
	if schema.HasWord(toks, "name") && (len(toks) == 1 || schema.HasStem(toks, personNameParts...)) {
		return true
	}
	for _, t := range toks {
		if !strings.HasSuffix(t, "name") || t == "name" {
			continue
		}
		for _, p := range personNameParts {
			if strings.HasPrefix(t, p) {
				return true
			}
		}
	}
	return false
}
