package bridge

// ExtensionCallerID returns the caller ID configured for extension ext's
// user in the current dial plan, or "" (dialplan.Router.ExtensionCallerID).
func (b *Bridge) ExtensionCallerID(ext string) string {
	return b.router.Load().ExtensionCallerID(ext)
}

// TrunkAllowingCallerID returns the name of the first trunk of the current
// dial plan that lists id as a caller ID anyone may present, or ""
// (dialplan.Router.TrunkAllowingCallerID).
func (b *Bridge) TrunkAllowingCallerID(id string) string {
	return b.router.Load().TrunkAllowingCallerID(id)
}
