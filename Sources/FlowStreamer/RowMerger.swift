import FlowMeter
import FlowWriters

/// Merges the row streams of the meter threads into the one output order (`FlowOrderKey`), numbering rows as
/// they are written. A row is written once no meter can still produce an earlier one: every other meter either
/// has a pending row (its next key is known) or has promised, by its watermark, that its later rows come after.
final class RowMerger {
    let workers: [MeterWorker]
    var pending: [[RowBatch]]
    var cursor: [Int]
    var watermark: [UInt64]
    var finished: [Bool]
    var nextID: UInt64 = 0
    var error: Error? = nil
    var statistics = MeterStatistics()
    var heads: [FlowOrderKey?]

    init(workers: [MeterWorker]) {
        heads = Array(repeating: nil, count: workers.count)
        self.workers = workers
        pending = Array(repeating: [], count: workers.count)
        cursor = Array(repeating: 0, count: workers.count)
        watermark = Array(repeating: 0, count: workers.count)
        finished = Array(repeating: false, count: workers.count)
    }

    var allFinished: Bool { !finished.contains(false) }

    /// Takes every batch the meters have produced so far.
    func collect() {
        for (m, worker) in workers.enumerated() {
            while let batch = worker.output.tryPop() {
                pending[m].append(batch)
                watermark[m] = batch.watermark
                if batch.isLast {
                    finished[m] = true
                    statistics.add(batch.statistics)
                }
            }
        }
    }

    /// The key of meter `m`'s next pending row, dropping consumed batches.
    func headKey(_ m: Int) -> FlowOrderKey? {
        while let batch = pending[m].first {
            if cursor[m] < batch.keys.count { return batch.keys[cursor[m]] }
            pending[m].removeFirst()
            cursor[m] = 0
            _ = workers[m].recycledOutput.tryPush(batch)
        }
        return nil
    }

    /// Writes every row that is safe to write now.
    func emitReady(to writer: FlowWriter) {
        let n = workers.count
        while true {
            var best = -1
            var bestKey = FlowOrderKey(event: FlowEvent(index: .max, kind: .end), lastPacket: .max)
            for m in 0..<n {
                heads[m] = headKey(m)
                if let k = heads[m], best < 0 || k < bestKey {
                    best = m
                    bestKey = k
                }
            }
            guard best >= 0 else { return }
            for m in 0..<n where m != best && heads[m] == nil && !finished[m] {
                if bestKey.index >= watermark[m] { return }  // meter m may still produce an earlier row
            }
            let batch = pending[best][0]
            let i = cursor[best]
            let start = i == 0 ? 0 : batch.ends[i - 1]
            let end = batch.ends[i]
            cursor[best] = i + 1
            if error == nil {
                do {
                    try writer.write(
                        id: nextID,
                        formattedColumns: UnsafeRawBufferPointer(rebasing: batch.row.buffer.bytes[start..<end]))
                } catch {
                    self.error = error
                }
            }
            nextID += 1
        }
    }
}
