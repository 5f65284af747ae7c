package dialplan

// ExtensionCallerID returns the caller ID configured for the user of
// extension ext, or "" when it has none.
func (r *Router) ExtensionCallerID(ext string) string {
	return r.CallerIDs[ext]
}

// TrunkAllowingCallerID returns the name of the first trunk whose
// AllowedCallerIDs match id, or "" when no trunk lists it: such a caller
// ID may be presented by anyone who may dial. An empty id matches none.
func (r *Router) TrunkAllowingCallerID(id string) string {
	if id == "" {
		return ""
	}
	for _, tr := range r.Trunks {
		for _, re := range tr.AllowedCallerIDs {
			if re != nil && re.MatchString(id) {
				return tr.Name
			}
		}
	}
	return ""
}
