import FlowMeter
import FlowWriters
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The output stage, on its own thread: merges the record streams of the meter threads into the one output order
/// (`FlowOrderKey`), numbers the rows and hands them to the writer, which formats and compresses them. So reading,
/// metering and writing overlap, and the output does not depend on the number of meters.
///
/// A row is written once no meter can still produce an earlier one: every other meter either has a pending record
/// (its next key is known) or has promised, by its watermark, that its later records come after.
final class OutputStage: @unchecked Sendable {
    let workers: [MeterWorker]
    let writer: FlowWriter
    /// Where the stage sleeps between rounds. Nothing upstream waits for it offline (meters keep their records
    /// while its rings are full), so it polls every millisecond instead of being woken for every batch; a meter's
    /// last batch wakes it.
    let parker: Parker
    /// Rows handed to the writer so far (read by other threads for progress).
    let rowsWritten = Atomic<UInt64>(0)
    /// Set at the writer's first error: the dispatcher stops reading.
    let failed = Atomic<Bool>(false)
    /// The writer's first error and the meters' counters; read after the thread has ended.
    private(set) var error: Error? = nil
    private(set) var statistics = MeterStatistics()

    // Only the stage's own thread touches what follows, so the dynamic exclusivity checks are off.
    @exclusivity(unchecked) private var pending: [[RecordBatch]]
    /// Per meter: the next record of its first pending batch (index and byte offset).
    @exclusivity(unchecked) private var cursor: [Int]
    @exclusivity(unchecked) private var offset: [Int]
    @exclusivity(unchecked) private var watermark: [UInt64]
    @exclusivity(unchecked) private var finished: [Bool]
    /// Record bytes pending per meter. A meter's ring is left alone while it holds `pendingLimit` or more (4 MiB
    /// shared by the meters), so memory stays bounded when one meter runs ahead of another (the meter then waits on
    /// its full ring).
    @exclusivity(unchecked) private var pendingBytes: [Int]
    let pendingLimit: Int
    static let rowsPerRound = 256
    @exclusivity(unchecked) private var nextID: UInt64 = 0

    init(workers: [MeterWorker], writer: FlowWriter, parker: Parker) {
        self.workers = workers
        self.parker = parker
        self.writer = writer
        pending = Array(repeating: [], count: workers.count)
        cursor = Array(repeating: 0, count: workers.count)
        offset = Array(repeating: 0, count: workers.count)
        watermark = Array(repeating: 0, count: workers.count)
        finished = Array(repeating: false, count: workers.count)
        pendingBytes = Array(repeating: 0, count: workers.count)
        pendingLimit = max(1 << 19, (4 << 20) / workers.count)
    }

    /// The thread's body: runs until every meter has sent its last batch and every row is written.
    func run() {
        var idleSince = 0
        while true {
            let collected = collect()
            let wrote = emitReady()
            if !finished.contains(false) && pending.allSatisfy(\.isEmpty) { return }
            idleSince = collected || wrote ? 0 : idleSince + 1
            if idleSince % 100 == 0 && idleSince > 0 && error == nil {
                // Every 0.1 s or so without a row (a quiet live link): the writer sends what it buffers.
                do {
                    try writer.idle()
                } catch {
                    self.error = error
                    failed.store(true, ordering: .releasing)
                }
            }
            if !collected && !wrote {
                parker.park(timeoutMicroseconds: 1000) {
                    workers.indices.contains { pendingBytes[$0] < pendingLimit && !workers[$0].output.isEmpty }
                }
            }
        }
    }

    /// Takes every batch the meters have sent so far. Returns whether there was any.
    private func collect() -> Bool {
        var any = false
        for (m, worker) in workers.enumerated() where !finished[m] {
            // The watermark is read before the ring: every record below it is in the ring by then.
            let mark = worker.watermark.load(ordering: .acquiring)
            var took = false
            let wasFull = worker.output.isFull
            while pendingBytes[m] < pendingLimit, let batch = worker.output.tryPop() {
                any = true
                took = true
                if batch.isLast {
                    finished[m] = true
                    statistics.add(batch.statistics)
                }
                if batch.isEmpty {
                    recycle(batch, of: m)
                } else {
                    pending[m].append(batch)
                    pendingBytes[m] += batch.records.count
                }
            }
            // Not taking every batch leaves the watermark as it was: it may cover records still in the ring.
            if worker.output.isEmpty { watermark[m] = mark }
            if took && wasFull { worker.parker.unpark() }  // it may be waiting for room in its ring
        }
        return any
    }

    private func recycle(_ batch: RecordBatch, of m: Int) {
        _ = workers[m].recycled.tryPush(batch)
    }

    /// The key of meter `m`'s next record, dropping consumed batches.
    @inline(__always)
    private func headKey(_ m: Int) -> FlowOrderKey? {
        while let batch = pending[m].first {
            if cursor[m] < batch.keys.count { return batch.keys[cursor[m]] }
            pending[m].removeFirst()
            pendingBytes[m] -= batch.records.count
            cursor[m] = 0
            offset[m] = 0
            recycle(batch, of: m)
        }
        return nil
    }

    /// Writes the rows that are safe to write now, up to `rowsPerRound` (then the stage collects again, so a meter
    /// waiting for room in its ring is not held up by a long run of rows). Returns whether it wrote any.
    private func emitReady() -> Bool {
        let n = workers.count
        var wrote = false
        for _ in 0..<Self.rowsPerRound {
            var best = -1
            var bestKey = FlowOrderKey(event: FlowEvent(index: .max, kind: .end), lastPacket: .max)
            var blocked = false
            for m in 0..<n {
                if let k = headKey(m) {
                    if best < 0 || k < bestKey {
                        best = m
                        bestKey = k
                    }
                } else if !finished[m] {
                    blocked = true
                }
            }
            guard best >= 0 else { return wrote }
            if blocked {
                for m in 0..<n where !finished[m] && m != best && pending[m].isEmpty {
                    if bestKey.index >= watermark[m] { return wrote }  // meter m may still produce an earlier row
                }
            }
            let batch = pending[best][0]
            let (record, next) = batch.records.record(startingAt: offset[best])
            cursor[best] += 1
            offset[best] = next
            if error == nil {
                do {
                    try writer.write(FlowRow(id: nextID, record: record))
                } catch {
                    self.error = error
                    failed.store(true, ordering: .releasing)
                }
            }
            nextID += 1
            rowsWritten.store(nextID, ordering: .relaxed)
            wrote = true
        }
        return wrote
    }
}
