package rules

import (
	"strings"
	"testing"
	"time"
)

func TestRoomCheck(t *testing.T) {
	valid := Room{Number: "1000", Name: "Sales", PIN: "1234", ModeratorPIN: "4321", Owner: "2001",
		Members: []string{"2002", "2003"}, Quota: 5, Capacity: 10, GuestRole: "attendee",
		GuestWait: 10 * time.Minute, CallerID: "+441632960100"}
	tests := []struct {
		name   string
		change func(*Room)
		want   []Problem
	}{
		{"valid", func(*Room) {}, nil},
		{"the least", func(r *Room) { *r = Room{Number: "1", GuestRole: "spectator"} }, nil},
		{"no number", func(r *Room) { r.Number = "" }, []Problem{{"number", "number", "required"}}},
		{"number not digits", func(r *Room) { r.Number = "10a" }, []Problem{{"number", "number", `"10a": must be digits only`}}},
		{"number 33 digits", func(r *Room) { r.Number = strings.Repeat("1", 33) },
			[]Problem{{"number", "number", `"` + strings.Repeat("1", 33) + `": must be at most 32 digits`}}},
		{"name 200 bytes", func(r *Room) { r.Name = strings.Repeat("é", 100) }, nil},
		{"name 201 bytes", func(r *Room) { r.Name = strings.Repeat("x", 201) }, []Problem{{"name", "name", "is longer than 200 bytes"}}},
		{"pin not digits", func(r *Room) { r.PIN = "12x4" }, []Problem{{"pin", "pin", "must be digits only"}}},
		{"pin 33 digits", func(r *Room) { r.PIN = strings.Repeat("1", 33) }, []Problem{{"pin", "pin", "must be at most 32 digits"}}},
		{"moderator pin not digits", func(r *Room) { r.ModeratorPIN = "x" }, []Problem{{"moderator_pin", "moderator_pin", "must be digits only"}}},
		{"same pins", func(r *Room) { r.ModeratorPIN = r.PIN }, []Problem{{"moderator_pin", "moderator_pin", "must differ from pin"}}},
		{"no pins", func(r *Room) { r.PIN, r.ModeratorPIN = "", "" }, nil},
		{"owner not a number", func(r *Room) { r.Owner = "alice" },
			[]Problem{{"owner", "owner", `"alice": must be an extension number, 1 to 32 digits`}}},
		{"no owner", func(r *Room) { r.Owner = "" }, nil},
		{"negative quota", func(r *Room) { r.Quota = -1 }, []Problem{{"quota", "quota", "-1: must not be negative"}}},
		{"negative capacity", func(r *Room) { r.Capacity = -1 }, []Problem{{"capacity", "capacity", "-1: must not be negative"}}},
		{"quota over capacity", func(r *Room) { r.Quota = 11 }, []Problem{{"quota", "quota", "11: must not exceed capacity 10"}}},
		{"quota without capacity", func(r *Room) { r.Quota, r.Capacity = 500, 0 }, nil},
		{"quota equals capacity", func(r *Room) { r.Quota = 10 }, nil},
		{"bad caller ID", func(r *Room) { r.CallerID = "abc" }, []Problem{{"caller_id", "caller_id", `"abc": want E.164 (+441632960000) or digits`}}},
		{"no caller ID", func(r *Room) { r.CallerID = "" }, nil},
		{"empty guest role", func(r *Room) { r.GuestRole = "" },
			[]Problem{{"guest_role", "guest_role", `"": must be owner, moderator, presenter, attendee or spectator`}}},
		{"no_access guest role", func(r *Room) { r.GuestRole = "no_access" },
			[]Problem{{"guest_role", "guest_role", `"no_access": must be owner, moderator, presenter, attendee or spectator`}}},
		{"negative guest wait", func(r *Room) { r.GuestWait = -time.Second }, []Problem{{"guest_wait", "guest_wait", "-1s: must be between 0s and 24h0m0s"}}},
		{"guest wait 24h", func(r *Room) { r.GuestWait = 24 * time.Hour }, nil},
		{"guest wait over 24h", func(r *Room) { r.GuestWait = 25 * time.Hour }, []Problem{{"guest_wait", "guest_wait", "25h0m0s: must be between 0s and 24h0m0s"}}},
		{"member not a number", func(r *Room) { r.Members = []string{"2002", "bob"} },
			[]Problem{{"members", "members[1]", `"bob": must be an extension number, 1 to 32 digits`}}},
		{"member twice", func(r *Room) { r.Members = []string{"2002", "2003", "2002"} },
			[]Problem{{"members", "members[2]", `"2002": listed twice`}}},
		{"empty member", func(r *Room) { r.Members = []string{""} },
			[]Problem{{"members", "members[0]", `"": must be an extension number, 1 to 32 digits`}}},
		{"every problem, in field order", func(r *Room) {
			*r = Room{Number: "x", Name: strings.Repeat("n", 201), PIN: "p", ModeratorPIN: "m", Owner: "o",
				Members: []string{"m"}, Quota: -1, Capacity: -1, GuestRole: "boss", GuestWait: -1, CallerID: "c"}
		}, []Problem{
			{"number", "number", `"x": must be digits only`},
			{"name", "name", "is longer than 200 bytes"},
			{"pin", "pin", "must be digits only"},
			{"moderator_pin", "moderator_pin", "must be digits only"},
			{"owner", "owner", `"o": must be an extension number, 1 to 32 digits`},
			{"quota", "quota", "-1: must not be negative"},
			{"capacity", "capacity", "-1: must not be negative"},
			{"caller_id", "caller_id", `"c": want E.164 (+441632960000) or digits`},
			{"guest_role", "guest_role", `"boss": must be owner, moderator, presenter, attendee or spectator`},
			{"guest_wait", "guest_wait", "-1ns: must be between 0s and 24h0m0s"},
			{"members", "members[0]", `"m": must be an extension number, 1 to 32 digits`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid
			r.Members = append([]string(nil), valid.Members...)
			tt.change(&r)
			got := r.Check()
			if len(got) != len(tt.want) {
				t.Fatalf("Check() = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("problem %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRoomCheckHidesPINs checks that no problem shows a PIN, since the
// config loader and the API print them.
func TestRoomCheckHidesPINs(t *testing.T) {
	for _, r := range []Room{
		{Number: "1", GuestRole: "attendee", PIN: "98x76"},
		{Number: "1", GuestRole: "attendee", PIN: "98765", ModeratorPIN: "98765"},
		{Number: "1", GuestRole: "attendee", ModeratorPIN: strings.Repeat("98765", 7)},
	} {
		for _, p := range r.Check() {
			if strings.Contains(p.Msg, "987") {
				t.Errorf("%+v shows the PIN", p)
			}
		}
	}
}
