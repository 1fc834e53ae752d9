import Testing

@testable import FlowPacket

/// The length-prefixed reader the TLS and QUIC parsers use on hostile input.
@Suite struct ByteCursorTests {
    let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]

    @Test func readsBigEndianValuesInOrder() {
        bytes.withUnsafeBytes { raw in
            var c = ByteCursor(PacketView(raw))
            let a = c.u8()
            let b = c.u16()
            let d = c.u24()
            let remaining = c.remaining
            let tooLong = c.u32()
            let offset = c.offset
            let last = c.u8()
            let atEnd = c.isAtEnd
            let past = c.u8()
            #expect(a == 0x01 && b == 0x0203 && d == 0x04_0506)
            #expect(remaining == 1 && tooLong == nil && offset == 6)
            #expect(last == 0x07 && atEnd && past == nil)
        }
    }

    @Test func aReadThatDoesNotFitReturnsNilAndDoesNotMove() {
        bytes.withUnsafeBytes { raw in
            var c = ByteCursor(PacketView(raw), from: 5)
            let u24 = c.u24()
            let u32 = c.u32()
            let skipped = c.skip(3)
            let skippedBack = c.skip(-1)
            let taken = c.take(3)
            let takenNegative = c.take(-1)
            let offset = c.offset
            let rest = c.u16()
            #expect(u24 == nil && u32 == nil && !skipped && !skippedBack)
            #expect(taken == nil && takenNegative == nil)
            #expect(offset == 5 && rest == 0x0607)
        }
    }

    @Test func takeGivesACursorLimitedToItsBytesAndMovesPastThem() {
        bytes.withUnsafeBytes { raw in
            var c = ByteCursor(PacketView(raw))
            _ = c.skip(1)
            guard var part = c.take(3) else {
                Issue.record("take(3) of 7 bytes failed")
                return
            }
            let partBytes = Array(part.remainingBytes)
            let first = part.u16()
            let second = part.u16()  // one byte left in the part, though the view has more
            let third = part.u8()
            let offset = c.offset
            let next = c.u8()
            #expect(partBytes == [0x02, 0x03, 0x04])
            #expect(first == 0x0203 && second == nil && third == 0x04)
            #expect(offset == 4 && next == 0x05)
        }
    }

    @Test func boundsAreClippedToTheView() {
        bytes.withUnsafeBytes { raw in
            let view = PacketView(raw)
            #expect(ByteCursor(view, from: 3, to: 100).remaining == 4)
            #expect(ByteCursor(view, from: 50).remaining == 0)
            #expect(ByteCursor(view, from: -4, to: 2).remaining == 2)
            #expect(view.bytes(5..<20).count == 2)
            #expect(view.bytes(9..<20).count == 0)
        }
        var empty = ByteCursor(PacketView(UnsafeRawBufferPointer(start: nil, count: 0)))
        let read = empty.u8()
        #expect(read == nil && empty.remainingBytes.isEmpty)
    }
}
