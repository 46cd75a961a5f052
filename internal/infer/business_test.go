package infer

import (
	"strings"
	"testing"
)

// ticketsWith is a ticket export whose priority column holds the values
// given, one per ticket in turn.
func ticketsWith(header string, values ...string) string {
	var b strings.Builder
	b.WriteString("ticket_id,created_at,first_response_at,resolved_at" + header + "\n")
	for i := 0; i < 24; i++ {
		d := 1 + i%20
		line := []string{"T" + string(rune('a'+i)), day(d, "09:00"), day(d, "10:30"), day(d+1, "12:00")}
		if header != "" {
			line = append(line, values[i%len(values)])
		}
		b.WriteString(strings.Join(line, ",") + "\n")
	}
	return b.String()
}

func day(d int, hm string) string {
	return "2026-01-" + string(rune('0'+d/10)) + string(rune('0'+d%10)) + " " + hm + ":00"
}

// TestProposeBusiness: the priorities seen, most severe first, with the
// ladder's targets (1h/4h/8h/2d, 1d/2d/3d/5d) by what their names say;
// numbers in their order; a name that says nothing in the middle; no
// proposal without a priority column or without a creation time.
func TestProposeBusiness(t *testing.T) {
	cases := []struct {
		name, header string
		values       []string
		want         string // value first/resolution, in order; "" = no proposal
	}{
		{"words", ",priority", []string{"low", "normal", "Urgent", "high"}, "Urgent 1h/1d, high 4h/2d, normal 8h/3d, low 2d/5d"},
		{"words and an unknown", ",Ticket Priority", []string{"Minor", "Billing", "Critical"}, "Critical 1h/1d, Billing 8h/3d, Minor 2d/5d"},
		{"P numbers", ",severity", []string{"P3", "P1", "P2"}, "P1 1h/1d, P2 4h/2d, P3 8h/3d"},
		{"integers", ",priority", []string{"4", "2", "1", "3", "5"}, "1 1h/1d, 2 4h/2d, 3 8h/3d, 4 2d/5d, 5 2d/5d"},
		{"no priority", ",channel", []string{"chat", "email"}, ""},
		{"no column", "", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, _ := inferText(t, "tickets.csv", ticketsWith(c.header, c.values...))
			in.ProposeBusiness("Europe/Berlin", "given")
			p := in.Business
			if c.want == "" {
				if p != nil {
					t.Fatalf("proposed %+v", p)
				}
				if y := in.YAML(YAMLOptions{Header: true}); strings.Contains(y, "sla:") || strings.Contains(y, "business_hours:") {
					t.Errorf("the config proposes business hours or SLAs:\n%s", y)
				}
				return
			}
			if p == nil {
				t.Fatalf("no proposal; KPIs %v", keys(in))
			}
			var got []string
			for _, v := range p.Values {
				got = append(got, v.Value+" "+v.FirstResponse+"/"+v.Resolution)
			}
			if strings.Join(got, ", ") != c.want || p.Table != "tickets" || !p.FirstResponse || !p.Resolution {
				t.Errorf("proposal %s (table %s, first response %v, resolution %v), want %s", strings.Join(got, ", "), p.Table, p.FirstResponse, p.Resolution, c.want)
			}
		})
	}
	t.Run("no creation time", func(t *testing.T) {
		in, _ := inferText(t, "tickets.csv", "ticket_id,priority,resolved_at\nA,high,2026-01-02 10:00:00\nB,low,2026-01-03 10:00:00\n")
		if in.ProposeBusiness("UTC", "given"); in.Business != nil {
			t.Errorf("proposed %+v", in.Business)
		}
	})
	t.Run("resolution only", func(t *testing.T) {
		in, _ := inferText(t, "tickets.csv", "ticket_id,priority,created_at,resolved_at\nA,high,2026-01-02 10:00:00,2026-01-03 10:00:00\nB,low,2026-01-03 10:00:00,2026-01-04 10:00:00\n")
		in.ProposeBusiness("UTC", "given")
		if p := in.Business; p == nil || p.FirstResponse || !p.Resolution {
			t.Fatalf("proposal %+v", p)
		}
		y := in.YAML(YAMLOptions{})
		if strings.Contains(y, "first_response:") || !strings.Contains(y, "  resolution:\n    by: priority\n    within: {high: 2d, low: 5d}\n") {
			t.Errorf("sla: section:\n%s", y)
		}
	})
}

// TestMachineZone: TZ names the zone when it is an IANA name; empty, it
// is UTC.
func TestMachineZone(t *testing.T) {
	t.Setenv("TZ", "America/New_York")
	if z, _ := MachineZone(); z != "America/New_York" {
		t.Errorf("TZ=America/New_York: %s", z)
	}
	t.Setenv("TZ", ":Europe/Berlin")
	if z, _ := MachineZone(); z != "Europe/Berlin" {
		t.Errorf("TZ=:Europe/Berlin: %s", z)
	}
	t.Setenv("TZ", "")
	if z, _ := MachineZone(); z != "UTC" {
		t.Errorf("TZ empty: %s", z)
	}
	t.Setenv("TZ", "Not/AZone")
	if z, _ := MachineZone(); z == "Not/AZone" || z == "" {
		t.Errorf("TZ=Not/AZone: %s", z)
	}
}
