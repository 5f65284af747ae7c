package main

import (
	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/config"
)

// meetingOptions are the API's settings of the rooms and meetings signed-in
// users make: the config's meetings section, the extensions (no room may
// take their numbers, and meetings invite only them) and the dial-in
// numbers. They are read at start; a reload does not change them.
func meetingOptions(cfg *config.Config) api.MeetingOptions {
	o := api.MeetingOptions{Min: cfg.Meetings.NumberRange.Min, Max: cfg.Meetings.NumberRange.Max,
		MaxPerUser: cfg.Meetings.MaxRoomsPerUser}
	for _, e := range cfg.Extensions {
		o.Extensions = append(o.Extensions, e.Number)
	}
	for _, d := range cfg.DialIn {
		o.Reserved = append(o.Reserved, d.Number)
	}
	return o
}
