package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/webhook"
)

// reloader is the app's reload state: the config that runs, and the
// hooks other parts add to be told of a reload.
type reloader struct {
	// running is the config that runs: the one the app started with,
	// then each reload's live keys (withLive). Guarded by the app's
	// reloadMu.
	running *config.Config
	// onReload are called, in order, with every config a reload applies,
	// after its own checks and before anything changes; an error refuses
	// the reload (it should say what is wrong) and what an earlier hook
	// did stays. They run under reloadMu, one reload at a time. Add to it
	// before Start (for example to re-read certificate files:
	// `a.onReload = append(a.onReload, certs.reload)`).
	onReload []func(cfg *config.Config) error
}

// Reload re-reads the config file the app was started with and applies
// what can change while calls go on (rooms, extensions, trunks, webhooks,
// prompts, dialout.direct_allow, see liveKeys; the http, metrics and sip
// listen addresses, see rebindListeners and relistenSIP). A file with problems is
// refused whole with *api.ReloadRefused (each problem "FILE:LINE: msg")
// and the running config stays. Settings that need a restart keep their
// running values and come back in RestartNeeded. It logs one line and
// publishes one reloaded event saying what changed. Safe for concurrent
// use: reloads run one at a time. It implements api.Reloader; SIGHUP
// calls it too.
func (a *app) Reload(ctx context.Context) (api.ReloadResult, error) {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	old := a.running
	path := old.File()
	if path == "" {
		a.log.Warn("reload refused", "reason", api.ErrNoConfigFile.Error())
		return api.ReloadResult{}, api.ErrNoConfigFile
	}
	next, err := config.Load(path)
	if err == nil {
		err = next.CheckCodecs(media.Supported)
	}
	if err != nil {
		return api.ReloadResult{}, a.refuseReload(err)
	}
	d := diffConfig(old, next)
	if err := a.applyReload(ctx, old, next, d); err != nil {
		a.log.Error("reload failed: the running config stays", "err", err.Error())
		return api.ReloadResult{}, err
	}
	running := withLive(old, next)
	a.rebindListeners(running, next, &d)
	a.relistenSIP(running, next, &d)
	a.running = running
	a.log.Info("config reloaded", "file", path, "changes", d.Summary(), "restart_needed", len(d.Restart))
	for _, r := range d.Restart {
		a.log.Warn("reload: " + r)
	}
	a.b.PublishReload(d.Summary())
	return api.ReloadResult{Changes: d.Summary(), RestartNeeded: d.Restart}, nil
}

// refuseReload logs a config file's problems, one line each as
// FILE:LINE: message, and returns them as *api.ReloadRefused; any other
// error (the file cannot be read) is returned as a refusal of one
// problem.
func (a *app) refuseReload(err error) error {
	var errs config.Errors
	var problems []string
	if errors.As(err, &errs) {
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
	} else {
		problems = []string{err.Error()}
	}
	for _, p := range problems {
		a.log.Error("reload refused: "+p, "problem", p)
	}
	a.log.Error("reload refused: the running config stays", "problems", len(problems))
	return &api.ReloadRefused{Problems: problems}
}

// applyReload makes next's live keys run. The steps that can fail come
// first and are undone if a later one fails, so that a failed reload
// leaves the running config whole; the steps after them cannot fail.
func (a *app) applyReload(ctx context.Context, old, next *config.Config, d reloadDiff) error {
	router, err := routerFromConfig(next)
	if err != nil {
		return err
	}
	router.Self = a.selfAddrs
	router.SelfH323 = h323Self(a.h323)
	router.Registered = a.sip.Registered
	voice, err := prompts.Load(next.Prompts.Dir) // the override dir is read again even when its path is unchanged
	if err != nil {
		return fmt.Errorf("prompts.dir: %w", err)
	}
	if err := a.sip.SetExtensions(sipExtensions(next.Extensions)); err != nil {
		return err
	}
	undo := func() { _ = a.sip.SetExtensions(sipExtensions(old.Extensions)) }
	if err := a.hooks.SetHooks(webhookHooks(next)); err != nil {
		undo()
		return fmt.Errorf("webhooks: %w", err)
	}
	undo = func() {
		_ = a.sip.SetExtensions(sipExtensions(old.Extensions))
		_ = a.hooks.SetHooks(webhookHooks(old))
	}
	if err := a.db.SyncConfigRooms(ctx, storeRooms(next.Rooms)); err != nil {
		undo()
		return fmt.Errorf("store: %w", err)
	}
	for _, hook := range a.onReload {
		if err := hook(next); err != nil {
			undo()
			_ = a.db.SyncConfigRooms(ctx, storeRooms(old.Rooms))
			return err
		}
	}
	// Nothing below fails.
	a.sip.SetTrunks(trunkAuth(next.Trunks))
	a.b.SetRouter(router)
	a.b.SetPrompts(voice)
	a.sip.SetPrompts(voice)
	a.voice323.Store(voice)
	a.b.SetAnnounceJoinLeave(next.Prompts.AnnounceJoinLeave)
	a.reloadRooms(ctx, d.Rooms, voice)
	return nil
}

// reloadRooms brings the bridge's rooms to the store's after a sync: an
// added room is served at once (or, if the API had made a room of that
// number, takes it over), a changed one applies to its next admission,
// a removed one says goodbye and goes. Only the rooms the reload names
// are touched, so a room the API creates meanwhile is left alone.
func (a *app) reloadRooms(ctx context.Context, c changeSet, voice *prompts.Set) {
	stored := make(map[string]bridge.RoomSettings)
	if rooms, err := a.db.Rooms(ctx); err == nil {
		for _, r := range rooms {
			stored[r.Number] = bridge.SettingsOf(r)
		}
	} else {
		a.log.Error("reload: rooms not read back from the store; added and changed rooms apply at restart", "err", err.Error())
	}
	for _, n := range append(append([]string{}, c.Added...), c.Changed...) {
		s, ok := stored[n]
		if !ok {
			continue
		}
		if room, err := a.b.Room(n); err == nil {
			if !reflect.DeepEqual(room.Settings(), s) {
				room.Update(s)
			}
		} else if _, err := a.b.AddRoom(s); err != nil {
			a.log.Error("reload: room not added", "room", n, "err", err.Error())
		}
	}
	goodbye, _ := voice.Get(prompts.ConferenceEnding)
	for _, n := range c.Removed {
		if _, still := stored[n]; still {
			continue // an API room of that number, not the config's
		}
		if err := a.b.RetireRoom(n, goodbye); err != nil && !errors.Is(err, bridge.ErrUnknownRoom) {
			a.log.Error("reload: room not removed", "room", n, "err", err.Error())
		}
	}
}

// selfAddrs is the router's Self: the SIP server's bound addresses.
func (a *app) selfAddrs() []netip.AddrPort { return selfAddrs(a.sip.Addrs()) }

// storeRooms turns the config's rooms into the store's config-owned rooms.
func storeRooms(rooms []config.Room) []store.Room {
	out := make([]store.Room, len(rooms))
	for i, r := range rooms {
		out[i] = store.Room{Number: r.Number, Name: r.Name, PIN: r.PIN.Reveal(), ModeratorPIN: r.ModeratorPIN.Reveal(),
			Owner: r.Owner, Members: r.Members, Quota: r.Quota, Capacity: r.Capacity, GuestAccess: r.GuestAccess,
			GuestRole: r.GuestRole, GuestWait: r.GuestWait, CallerID: r.CallerID, ConfigOwned: true}
	}
	return out
}

// webhookHooks turns the config's webhooks into the sender's.
func webhookHooks(cfg *config.Config) []webhook.Hook {
	hooks := make([]webhook.Hook, len(cfg.Webhooks))
	for i, h := range cfg.Webhooks {
		hooks[i] = webhook.Hook{URL: h.URL, Secret: h.Secret.Reveal(), Events: h.Events}
	}
	return hooks
}

var _ api.Reloader = (*app)(nil)
