package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCreateRoom(t *testing.T) {
	for _, tc := range []struct {
		name    string
		room    Room
		wantErr error
	}{
		{"minimal", Room{Number: "1000"}, nil},
		{"full", Room{Number: "1000", Name: "Weekly", PIN: "1", ModeratorPIN: "2", Owner: "2001",
			Members: []string{"2002", "2003"}, Quota: 5, Capacity: 10, GuestAccess: true, GuestRole: "attendee",
			GuestWait: 1500 * time.Millisecond, CallerID: "+44", Locked: true, Organizer: "alice"}, nil},
		{"config owned is ignored", Room{Number: "1000", ConfigOwned: true}, nil},
		{"empty number", Room{}, ErrInvalid},
		{"negative quota", Room{Number: "1000", Quota: -1}, ErrInvalid},
		{"negative capacity", Room{Number: "1000", Capacity: -1}, ErrInvalid},
		{"negative guest wait", Room{Number: "1000", GuestWait: -time.Second}, ErrInvalid},
		{"duplicate member", Room{Number: "1000", Members: []string{"2002", "2002"}}, ErrInvalid},
		{"empty member", Room{Number: "1000", Members: []string{""}}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := newDB(t)
			err := db.CreateRoom(ctx, tc.room)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("CreateRoom: %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if rooms, _ := db.Rooms(ctx); len(rooms) != 0 {
					t.Fatalf("a refused room was stored: %+v", rooms)
				}
				return
			}
			got, err := db.Room(ctx, tc.room.Number)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.room
			want.ConfigOwned = false
			want.CreatedAt, want.UpdatedAt = utc(t0), utc(t0)
			mustEqual(t, "room", got, want)

			if err := db.CreateRoom(ctx, tc.room); !errors.Is(err, ErrExists) {
				t.Errorf("second CreateRoom: %v, want ErrExists", err)
			}
		})
	}
}

func TestRoomNotFound(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	if _, err := db.Room(ctx, "404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Room: %v, want ErrNotFound", err)
	}
	if _, err := db.UpdateRoom(ctx, "404", func(*Room) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateRoom: %v, want ErrNotFound", err)
	}
	if err := db.DeleteRoom(ctx, "404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteRoom: %v, want ErrNotFound", err)
	}
}

func TestRoomsOrderedByNumber(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	for _, n := range []string{"1002", "1000", "1001"} {
		if err := db.CreateRoom(ctx, Room{Number: n, Members: []string{"m" + n}}); err != nil {
			t.Fatal(err)
		}
	}
	rooms, err := db.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rooms {
		got = append(got, r.Number)
		mustEqual(t, "members of "+r.Number, r.Members, []string{"m" + r.Number})
	}
	mustEqual(t, "order", got, []string{"1000", "1001", "1002"})
}

func TestUpdateRoom(t *testing.T) {
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		update  func(*Room) error
		wantErr error
		want    func(*Room) // applied to the original to get the expected result; nil = unchanged
	}{
		{
			name: "settings and members",
			update: func(r *Room) error {
				r.Name, r.PIN, r.Locked = "Renamed", "5555", true
				r.Members = append(r.Members, "2004")
				return nil
			},
			want: func(r *Room) {
				r.Name, r.PIN, r.Locked = "Renamed", "5555", true
				r.Members = []string{"2002", "2003", "2004"}
				r.UpdatedAt = utc(t0.Add(time.Minute))
			},
		},
		{
			name:   "clear members",
			update: func(r *Room) error { r.Members = nil; return nil },
			want:   func(r *Room) { r.Members = nil; r.UpdatedAt = utc(t0.Add(time.Minute)) },
		},
		{
			name: "store-managed fields are kept",
			update: func(r *Room) error {
				r.ConfigOwned, r.CreatedAt, r.Quota = true, time.Unix(0, 0), 7
				return nil
			},
			want: func(r *Room) { r.Quota = 7; r.UpdatedAt = utc(t0.Add(time.Minute)) },
		},
		{"callback error aborts", func(r *Room) error { r.Name = "x"; return errBoom }, errBoom, nil},
		{"number cannot change", func(r *Room) error { r.Number = "2000"; return nil }, ErrInvalid, nil},
		{"invalid result", func(r *Room) error { r.Capacity = -5; return nil }, ErrInvalid, nil},
		{"members mutated then refused", func(r *Room) error { r.Members[0] = "x"; return errBoom }, errBoom, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, clk, _ := newDB(t)
			orig := Room{Number: "1000", Name: "Weekly", Members: []string{"2002", "2003"}, Quota: 3}
			if err := db.CreateRoom(ctx, orig); err != nil {
				t.Fatal(err)
			}
			orig.CreatedAt, orig.UpdatedAt = utc(t0), utc(t0)
			clk.advance(time.Minute)

			got, err := db.UpdateRoom(ctx, "1000", tc.update)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("UpdateRoom: %v, want %v", err, tc.wantErr)
			}
			want := orig
			want.Members = append([]string(nil), orig.Members...)
			if tc.want != nil {
				tc.want(&want)
				mustEqual(t, "returned room", got, want)
			}
			stored, err := db.Room(ctx, "1000")
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "stored room", stored, want)
		})
	}
}

func TestConfigOwnedRoomIsReadOnly(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	if err := db.SyncConfigRooms(ctx, []Room{{Number: "1000", Name: "Config"}}); err != nil {
		t.Fatal(err)
	}
	called := false
	if _, err := db.UpdateRoom(ctx, "1000", func(r *Room) error { called = true; return nil }); !errors.Is(err, ErrReadOnly) {
		t.Errorf("UpdateRoom: %v, want ErrReadOnly", err)
	}
	if called {
		t.Error("update was called for a config-owned room")
	}
	if err := db.DeleteRoom(ctx, "1000"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("DeleteRoom: %v, want ErrReadOnly", err)
	}
	if err := db.CreateRoom(ctx, Room{Number: "1000"}); !errors.Is(err, ErrExists) {
		t.Errorf("CreateRoom over a config room: %v, want ErrExists", err)
	}
	r, err := db.Room(ctx, "1000")
	if err != nil || r.Name != "Config" || !r.ConfigOwned {
		t.Errorf("Room = %+v, %v; want the config room unchanged", r, err)
	}
}

func TestDeleteRoomCascades(t *testing.T) {
	ctx := context.Background()
	db, _, _ := newDB(t)
	for _, n := range []string{"1000", "1001"} {
		if err := db.CreateRoom(ctx, Room{Number: n, Members: []string{"2002"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSchedule(ctx, Schedule{Room: n, Start: t0, End: t0.Add(time.Hour),
			Participants: []ScheduledParticipant{{Target: "2002"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateToken(ctx, Token{Hash: HashToken(n), Room: n}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordJoin(ctx, Attendance{Room: n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteRoom(ctx, "1000"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Room(ctx, "1000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Room after delete: %v, want ErrNotFound", err)
	}
	count := func(what string, n, want int) {
		t.Helper()
		if n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
	s, _ := db.Schedules(ctx, "1000")
	count("schedules of the deleted room", len(s), 0)
	tk, _ := db.Tokens(ctx, "1000")
	count("tokens of the deleted room", len(tk), 0)
	a, _ := db.Attendance(ctx, "1000")
	count("attendance of the deleted room (history is kept)", len(a), 1)
	s, _ = db.Schedules(ctx, "")
	count("schedules of the other room", len(s), 1)
	tk, _ = db.Tokens(ctx, "")
	count("tokens of the other room", len(tk), 1)
	var members int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM room_members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	count("member rows left", members, 1)
	var parts int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schedule_participants`).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	count("schedule participant rows left", parts, 1)
}

func TestSyncConfigRooms(t *testing.T) {
	ctx := context.Background()
	db, clk, _ := newDB(t)
	created := utc(t0)

	// An API room that config will take over, and one it leaves alone.
	if err := db.CreateRoom(ctx, Room{Number: "1001", Name: "API, taken over", Members: []string{"9"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRoom(ctx, Room{Number: "5000", Name: "API only"}); err != nil {
		t.Fatal(err)
	}
	sched, err := db.CreateSchedule(ctx, Schedule{Room: "1001", Start: t0, End: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		name        string
		configOwned bool
		createdAt   time.Time
		updatedAt   time.Time
	}
	steps := []struct {
		name    string
		config  []Room
		wantErr error
		want    map[string]want
	}{
		{
			name:   "first load",
			config: []Room{{Number: "1000", Name: "A", Members: []string{"2002"}}, {Number: "1001", Name: "B"}},
			want: map[string]want{
				"1000": {"A", true, utc(t0.Add(1 * time.Minute)), utc(t0.Add(1 * time.Minute))},
				"1001": {"B", true, created, utc(t0.Add(1 * time.Minute))},
				"5000": {"API only", false, created, created},
			},
		},
		{
			name:   "unchanged reload keeps UpdatedAt",
			config: []Room{{Number: "1000", Name: "A", Members: []string{"2002"}}, {Number: "1001", Name: "B"}},
			want: map[string]want{
				"1000": {"A", true, utc(t0.Add(1 * time.Minute)), utc(t0.Add(1 * time.Minute))},
				"1001": {"B", true, created, utc(t0.Add(1 * time.Minute))},
				"5000": {"API only", false, created, created},
			},
		},
		{
			name:   "changed room and removed room",
			config: []Room{{Number: "1000", Name: "A2", Members: []string{"2002"}}, {Number: "1002", Name: "C"}},
			want: map[string]want{
				"1000": {"A2", true, utc(t0.Add(1 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"1002": {"C", true, utc(t0.Add(3 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"5000": {"API only", false, created, created},
			},
		},
		{
			name:    "duplicate numbers change nothing",
			config:  []Room{{Number: "1000"}, {Number: "1000"}},
			wantErr: ErrInvalid,
			want: map[string]want{
				"1000": {"A2", true, utc(t0.Add(1 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"1002": {"C", true, utc(t0.Add(3 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"5000": {"API only", false, created, created},
			},
		},
		{
			name:    "invalid room changes nothing",
			config:  []Room{{Number: "1000", Quota: -1}},
			wantErr: ErrInvalid,
			want: map[string]want{
				"1000": {"A2", true, utc(t0.Add(1 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"1002": {"C", true, utc(t0.Add(3 * time.Minute)), utc(t0.Add(3 * time.Minute))},
				"5000": {"API only", false, created, created},
			},
		},
		{
			name:   "empty config removes all config rooms",
			config: nil,
			want: map[string]want{
				"5000": {"API only", false, created, created},
			},
		},
	}
	for i, step := range steps {
		clk.advance(time.Minute)
		err := db.SyncConfigRooms(ctx, step.config)
		if !errors.Is(err, step.wantErr) {
			t.Fatalf("step %d (%s): SyncConfigRooms: %v, want %v", i, step.name, err, step.wantErr)
		}
		rooms, err := db.Rooms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]want{}
		for _, r := range rooms {
			got[r.Number] = want{r.Name, r.ConfigOwned, r.CreatedAt, r.UpdatedAt}
		}
		mustEqual(t, "step "+step.name, got, step.want)

		if i == 0 {
			// The takeover replaced the API room's members and kept its schedule.
			r, _ := db.Room(ctx, "1001")
			if r.Members != nil {
				t.Errorf("taken-over room kept its API members %v", r.Members)
			}
			if _, err := db.Schedule(ctx, sched.ID); err != nil {
				t.Errorf("taken-over room lost its schedule: %v", err)
			}
			r, _ = db.Room(ctx, "1000")
			mustEqual(t, "members of 1000", r.Members, []string{"2002"})
		}
		if i == 2 {
			// Removing config room 1001 deleted its schedule with it.
			if _, err := db.Schedule(ctx, sched.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("schedule of a removed config room: %v, want ErrNotFound", err)
			}
		}
	}
}
