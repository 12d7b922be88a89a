"""Rules: detections, motion and picture quality over time → violations, per camera.

Modules (import them directly; this package file stays empty so `detectors.quality` can use
the hysteresis without importing the engine):
- `hysteresis`: k-of-n on/off state;
- `schedule`: business and lights-off hours ("06:00-09:00,11:00-20:00", over midnight);
- `config`: `CameraRules` (zones, masks, schedule, per-category thresholds, cooldown), JSON;
- `violation`: the frozen `Violation` and the tiers of DESIGN §5;
- `engine`: `RuleEngine` per camera, `FrameFacts` in, `Violation`s out.
"""
