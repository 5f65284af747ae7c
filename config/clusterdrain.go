package config

// clusterDrain checks cluster.drain against shutdown.grace: a drain
// asked for in the file needs a grace to drain in (0 hangs up at once).
func (v *validator) clusterDrain(c *Config) {
	if c.Cluster == nil || !c.Cluster.Drain || c.Shutdown.Grace > 0 || !v.src.has("cluster.drain") {
		return
	}
	v.add("cluster.drain", "true needs shutdown.grace above 0 (0 hangs up every call at once)")
}
