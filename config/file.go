package config

// File returns the path of the config file c was read from by Load, for a
// reload to read it again; "" for a Config from Parse, Default or code.
func (c *Config) File() string {
	if c.src == nil {
		return ""
	}
	return c.src.path
}
