package config

import (
	"errors"
	"strconv"
	"strings"
)

// This file holds the meetings section: the rooms signed-in users make in
// the organisers' web app (/app/).

// Meetings configures the rooms that signed-in users (not only admins)
// make through the API.
type Meetings struct {
	// NumberRange is where the API suggests the number of a new room
	// (GET /api/v1/rooms/suggested-number): the lowest free number of the
	// range that is no room, extension or other configured number, written
	// "MIN-MAX". Default 7000-7999.
	NumberRange NumberRange `yaml:"number_range"`
	// MaxRoomsPerUser is how many rooms one user may have made; admins
	// and operators are not limited. At least 1; default 50.
	MaxRoomsPerUser int `yaml:"max_rooms_per_user"`
}

// NumberRange is an inclusive range of room numbers, written "MIN-MAX"
// with decimal numbers without leading zeros ("7000-7999").
type NumberRange struct {
	// Min is the lowest number of the range.
	Min int
	// Max is the highest, inclusive.
	Max int
}

// Defaults of the meetings section.
const (
	defaultMeetingsNumbers  = "7000-7999"
	defaultMaxRoomsPerUser  = 50
	maxNumberRangeEndDigits = 15
)

// UnmarshalText parses "MIN-MAX".
func (r *NumberRange) UnmarshalText(b []byte) error {
	lo, hi, ok := strings.Cut(strings.TrimSpace(string(b)), "-")
	if !ok {
		return errors.New(`want "MIN-MAX", such as 7000-7999`)
	}
	min, err := parseRoomNumber(lo)
	if err != nil {
		return errors.New("min " + err.Error())
	}
	max, err := parseRoomNumber(hi)
	if err != nil {
		return errors.New("max " + err.Error())
	}
	if min > max {
		return errors.New("min must not be above max")
	}
	*r = NumberRange{Min: min, Max: max}
	return nil
}

// String formats r as "MIN-MAX".
func (r NumberRange) String() string { return strconv.Itoa(r.Min) + "-" + strconv.Itoa(r.Max) }

// parseRoomNumber parses one end of a NumberRange.
func parseRoomNumber(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxNumberRangeEndDigits || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("is not a number of at most 15 digits")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("has a leading zero")
	}
	return strconv.Atoi(s)
}

// applyMeetingsDefaults fills in the meetings settings left out of the
// file.
func applyMeetingsDefaults(c *Config, src *source) {
	if !src.has("meetings.number_range") {
		_ = c.Meetings.NumberRange.UnmarshalText([]byte(defaultMeetingsNumbers))
	}
	if !src.has("meetings.max_rooms_per_user") {
		c.Meetings.MaxRoomsPerUser = defaultMaxRoomsPerUser
	}
}

// meetings checks the meetings section.
func (v *validator) meetings(m *Meetings) {
	if m.NumberRange == (NumberRange{}) {
		v.add("meetings.number_range", `required: "MIN-MAX", such as 7000-7999`)
	}
	if m.MaxRoomsPerUser < 1 {
		v.add("meetings.max_rooms_per_user", "%d: must be at least 1", m.MaxRoomsPerUser)
	}
}
