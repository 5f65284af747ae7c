package main

// drainCluster starts the drain through the cluster when this node is one
// (cluster.drain, and the node has joined): it takes no new room, sends
// the calls for new rooms to the nodes that do not drain, and keeps
// serving the rooms it holds, their new callers included, until they
// empty. It reports whether it did; if not, the drain is a single node's
// (every new call refused).
func (a *app) drainCluster() bool {
	cc := a.cfg.Cluster
	c := a.clusterRouter.c.Load()
	if cc == nil || !cc.Drain || c == nil {
		return false
	}
	c.Drain()
	return true
}

// clusterDraining reports whether this node drains through the cluster:
// /readyz then answers 503, as for a single node's drain.
func (a *app) clusterDraining() bool {
	c := a.clusterRouter.c.Load()
	return c != nil && c.Draining()
}
