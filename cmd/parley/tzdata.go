package main

// The IANA time zone database is built in, so that schedules' time zones
// (api.ScheduleRequest.TimeZone, `parley schedule --tz`) are checked and
// shown the same on hosts and containers without /usr/share/zoneinfo. It
// costs about 450 KB of binary; the system's database is still preferred
// when present.
import _ "time/tzdata"
