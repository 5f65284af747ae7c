package config

import (
	"strings"
	"testing"
)

func TestMeetingsSection(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       Meetings
		err        string
	}{
		{"defaults", "", Meetings{NumberRange: NumberRange{7000, 7999}, MaxRoomsPerUser: 50}, ""},
		{"set", "meetings:\n  number_range: 500-599\n  max_rooms_per_user: 3\n",
			Meetings{NumberRange: NumberRange{500, 599}, MaxRoomsPerUser: 3}, ""},
		{"one number", "meetings:\n  number_range: 9-9\n", Meetings{NumberRange: NumberRange{9, 9}, MaxRoomsPerUser: 50}, ""},
		{"no dash", "meetings:\n  number_range: \"7000\"\n", Meetings{}, `parley.yaml:2: meetings.number_range: "7000"`},
		{"reversed", "meetings:\n  number_range: 8000-7000\n", Meetings{}, "min must not be above max"},
		{"leading zero", "meetings:\n  number_range: 0700-0799\n", Meetings{}, "leading zero"},
		{"letters", "meetings:\n  number_range: a-9\n", Meetings{}, "min is not a number"},
		{"zero rooms", "meetings:\n  max_rooms_per_user: 0\n", Meetings{}, "parley.yaml:2: meetings.max_rooms_per_user: 0: must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("parley.yaml", []byte(tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse: %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Meetings != tc.want {
				t.Errorf("meetings = %+v, want %+v", c.Meetings, tc.want)
			}
		})
	}
}
