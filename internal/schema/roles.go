package schema

// Kind is the type of column a role needs.
type Kind int

// Role kinds; the zero Kind is no role at all.
const (
	KindTime   Kind = iota + 1 // a date or timestamp
	KindScore                  // survey answers on a known scale
	KindCount                  // a whole-number count
	KindID                     // an identifier
	KindAmount                 // money
	KindLabel                  // a few text values
	KindFlag                   // yes/no, as BOOLEAN, text (yes/no, true/false, 1/0) or a count (0 = no)
)

// Numeric reports whether the kind needs a number column.
func (k Kind) Numeric() bool { return k == KindScore || k == KindCount || k == KindAmount }

// Role is a column role of the standard data model: a column a built-in KPI
// reads through its {role} placeholder, mapped onto a user's column with
// columns: in kpiscope.yaml.
type Role struct {
	Name  string
	Kind  Kind
	Scale Scale // the answers' scale, for KindScore
	// Help says what the column holds, for messages and comments
	// ("csat (a 1–5 satisfaction score)").
	Help string
	// Optional roles are legitimately blank on many rows (not resolved yet,
	// not answered, still a customer): their blank share is not a problem.
	Optional bool
	// Strong and Weak are the name stems that make a column a good or a
	// possible match when a config is inferred.
	Strong, Weak []string
}

// roles is the one table of column roles, in the standard model's order.
var roles = []Role{
	{Name: "csat", Kind: KindScore, Scale: Scale5, Strong: []string{"csat", "satisf"}, Weak: []string{"rating", "score", "star"}, Help: "a 1–5 satisfaction score"},
	{Name: "ces", Kind: KindScore, Scale: Scale7, Strong: []string{"ces", "effort", "easy", "ease"}, Weak: []string{"rating", "score"}, Help: "a 1–7 customer-effort score"},
	{Name: "nps", Kind: KindScore, Scale: Scale10, Strong: []string{"nps", "recommend", "likel", "promot"}, Weak: []string{"rating", "score"}, Help: "a 0–10 likelihood-to-recommend score"},
	{Name: "created_at", Kind: KindTime, Strong: []string{"created", "create", "opened", "open", "submitted", "reported", "received", "logged", "start"}, Weak: []string{"date", "time"}, Help: "the date/time a ticket was created"},
	{Name: "resolved_at", Kind: KindTime, Strong: []string{"resolved", "resolution", "closed", "solved", "completed", "done"}, Help: "the date/time a ticket was resolved", Optional: true},
	{Name: "first_response_at", Kind: KindTime, Strong: []string{"first", "response", "responded", "reply", "replied"}, Help: "the date/time of the first response", Optional: true},
	{Name: "contacts", Kind: KindCount, Strong: []string{"contact", "touch", "interaction", "replies", "attempt"}, Help: "the number of contacts it took to resolve", Optional: true},
	{Name: "reopened", Kind: KindFlag, Strong: []string{"reopen"}, Help: "whether a ticket was reopened, or how often: yes/no, true/false, 1/0 or a count", Optional: true},
	{Name: "sent_at", Kind: KindTime, Strong: []string{"sent", "invited", "invitation", "delivered"}, Weak: []string{"date"}, Help: "the date a survey was sent"},
	{Name: "responded_at", Kind: KindTime, Strong: []string{"responded", "response", "answered", "completed", "submitted"}, Help: "the date a survey was answered", Optional: true},
	{Name: "signup_date", Kind: KindTime, Strong: []string{"signup", "sign", "joined", "join", "registered", "registration", "start", "since", "acquired", "created", "activation", "activated"}, Help: "the date a customer signed up"},
	{Name: "churn_date", Kind: KindTime, Strong: []string{"churn", "cancel", "ended", "end", "terminated", "terminat", "left", "closed", "lost"}, Help: "the date a customer churned, blank while active", Optional: true},
	{Name: "order_id", Kind: KindID, Strong: []string{"order", "invoice", "transaction", "receipt", "purchase", "basket"}, Help: "an order id"},
	{Name: "customer_id", Kind: KindID, Strong: []string{"customer", "cust", "client", "user", "account", "member", "buyer", "subscriber"}, Help: "a customer id"},
	{Name: "amount", Kind: KindAmount, Strong: []string{"amount", "revenue", "sales", "sale", "dollar", "paid", "gmv"}, Weak: []string{"total", "price", "value", "charge", "spend", "spent", "cost"}, Help: "the order amount"},
	{Name: "order_date", Kind: KindTime, Strong: []string{"order", "purchase", "transaction", "invoice", "bought"}, Weak: []string{"date"}, Help: "the order date"},
	{Name: "kind", Kind: KindLabel, Strong: []string{"kind", "type"}, Weak: []string{"category"}, Help: "acquisition or retention"},
	{Name: "month", Kind: KindTime, Strong: []string{"month", "period"}, Weak: []string{"date"}, Help: "the month spent"},
}

// Roles lists every column role.
func Roles() []Role { return roles }

// LookupRole returns a role by name.
func LookupRole(name string) (Role, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}
