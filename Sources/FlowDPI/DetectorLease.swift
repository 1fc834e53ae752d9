#if NDPI
/// One meter's nDPI detection module, taken from the pool for the meter's copy of `ApplicationPlugin` and given
/// back when that copy goes away. A module with flow states still in use (a meter dropped without its final flush)
/// is closed instead of pooled.
final class DetectorLease: @unchecked Sendable {  // used by its meter's thread only
    let detector: NDPIDetector

    init(_ detector: NDPIDetector) { self.detector = detector }

    deinit {
        if detector.liveFlows == 0 { NDPIDetector.recycle(detector) }
    }
}
#endif
