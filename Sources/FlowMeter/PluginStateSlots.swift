/// One plugin's states in one meter, in raw memory indexed by flow slot, reused from flow to flow.
@usableFromInline
final class PluginStateSlots<State> {
    /// One state per slot, `capacity` of them initialised. Only the owning meter's thread touches it, one hook at
    /// a time, so the dynamic exclusivity check on this class property (about a fifth of a hook's cost) is off.
    @usableFromInline @exclusivity(unchecked) var states: UnsafeMutablePointer<State>
    /// How many slots of `states` are initialised (grown by `ensureCapacity`, never shrunk).
    @usableFromInline var capacity = 0

    @usableFromInline
    init() { states = .allocate(capacity: 1) }

    deinit {
        states.deinitialize(count: capacity)
        states.deallocate()
    }

    /// Grows `states` to `slots` entries, each new one initialised with `makeState()`; existing states move.
    @inlinable
    func ensureCapacity(_ slots: Int, makeState: () -> State) {
        if capacity >= slots { return }
        let grown = UnsafeMutablePointer<State>.allocate(capacity: slots)
        grown.moveInitialize(from: states, count: capacity)
        for i in capacity..<slots { (grown + i).initialize(to: makeState()) }
        states.deallocate()
        states = grown
        capacity = slots
    }
}
