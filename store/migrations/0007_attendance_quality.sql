-- The call quality of a visit over a SIP leg, as RTCP measured it when the
-- participant left: loss each way (percent), jitter and round trip (ms),
-- and the estimated MOS. NULL: not measured (a browser, a leg without
-- RTCP, a visit recorded before this column existed).
ALTER TABLE attendance ADD COLUMN loss_in REAL;
ALTER TABLE attendance ADD COLUMN loss_out REAL;
ALTER TABLE attendance ADD COLUMN jitter_ms REAL;
ALTER TABLE attendance ADD COLUMN rtt_ms REAL;
ALTER TABLE attendance ADD COLUMN mos REAL;
