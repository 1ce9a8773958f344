// External-memory sorting for builds larger than their memory budget:
// records of two 64-bit keys are sorted in bounded batches, spilled to
// temporary files as delta-coded runs, and merged back in order.
//
// Every temporary file is unlinked as soon as it is created and lives on
// only as an open descriptor, so a build that fails, runs out of disk or is
// killed leaves no temporary file behind: the kernel frees the space when
// the descriptors close.
import CBoardwalk
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The temporary disk of one build: where files go, how many bytes they
/// hold now and at most, and (for tests) a byte count after which writes
/// fail with ENOSPC as a full disk would.
final class SpillSpace {
    let directory: String
    private(set) var liveBytes = 0
    private(set) var peakBytes = 0
    /// Fault injection: writes past this many bytes in all fail with ENOSPC.
    var failAfterBytes: Int?
    private var written = 0

    init(directory: String) { self.directory = directory }

    func grow(_ n: Int) throws {
        if let limit = failAfterBytes, written + n > limit {
            throw BoardwalkError.io(path: directory, reason: "temporary file: \(String(cString: strerror(ENOSPC)))")
        }
        written += n
        liveBytes += n
        peakBytes = max(peakBytes, liveBytes)
    }

    func release(_ n: Int) { liveBytes -= n }

    /// Throws when the directory's file system has less than `bytes` free.
    func check(needs bytes: Int, for what: String) throws {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return }
        let free = Int(s.f_bavail) &* Int(s.f_frsize)
        if free < bytes {
            throw BoardwalkError.io(
                path: directory,
                reason: "\(what) needs about \(bytes >> 20) MiB of temporary space, only \(free >> 20) MiB free (--temp-dir chooses another directory)")
        }
    }
}

/// An anonymous temporary file (created and at once unlinked) written
/// sequentially through a buffer, then read back with `pread`.
final class SpillFile {
    let fd: Int32
    let space: SpillSpace
    private(set) var size = 0
    private var buffer: UnsafeMutablePointer<UInt8>?
    private let capacity: Int
    private var used = 0

    init(_ space: SpillSpace, bufferBytes: Int = 1 << 20) throws {
        var template = Array((space.directory + "/.boardwalk-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw BoardwalkError.io(path: space.directory, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        self.space = space
        capacity = max(bufferBytes, 64)
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        close(fd)
        space.release(size)
        buffer?.deallocate()
    }

    @inline(__always)
    func append(_ byte: UInt8) throws {
        if used == capacity { try flush() }
        buffer![used] = byte
        used += 1
    }

    func append(_ p: UnsafeRawBufferPointer) throws {
        var rest = p
        while !rest.isEmpty {
            if used == capacity { try flush() }
            let n = min(rest.count, capacity - used)
            (buffer! + used).update(from: rest.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            used += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    func append<T>(value: T) throws {
        try withUnsafeBytes(of: value) { try append($0) }
    }

    @inline(__always)
    func appendVarint(_ value: UInt64) throws {
        var v = value
        while v >= 0x80 {
            try append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        try append(UInt8(v))
    }

    /// Writes out the buffer and frees it; after the last append, before
    /// reading.
    func finishWriting() throws {
        try flush()
        buffer?.deallocate()
        buffer = nil
    }

    private func flush() throws {
        guard let buffer else { preconditionFailure("append after finishWriting") }
        try space.grow(used)
        var done = 0
        while done < used {
            let n = Glibc.write(fd, buffer + done, used - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw BoardwalkError.io(path: space.directory, reason: "temporary file: \(String(cString: strerror(n < 0 ? errno : ENOSPC)))")
            }
            done += n
        }
        size += used
        used = 0
    }

    /// Reads `count` bytes at `offset` into `into`.
    func read(at offset: Int, count: Int, into: UnsafeMutableRawPointer) throws {
        var done = 0
        while done < count {
            let n = pread(fd, into + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw BoardwalkError.io(path: space.directory, reason: "temporary file: short read")
            }
            done += n
        }
    }
}

/// Reads a spill file sequentially through a buffer.
final class SpillReader {
    let file: SpillFile
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var position = 0  // file offset of buffer[0]
    private var used = 0
    private var next = 0

    init(_ file: SpillFile, bufferBytes: Int) {
        self.file = file
        capacity = max(bufferBytes, 64)
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    @inline(__always)
    func byte() throws -> UInt8 {
        if next == used {
            position += used
            used = min(capacity, file.size - position)
            next = 0
            guard used > 0 else { throw BoardwalkError.io(path: file.space.directory, reason: "temporary file: unexpected end") }
            try file.read(at: position, count: used, into: buffer)
        }
        let b = buffer[next]
        next += 1
        return b
    }

    @inline(__always)
    func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
}

/// A sorted run on disk: records (k1, k2) as varints, k1 as the gap from
/// the previous record's, k2 as the gap when k1 repeats, else in full.
private struct Run {
    var file: SpillFile
    var records: Int
}

/// Writes records in (k1, k2) order as a run, dropping repeats.
private final class RunWriter {
    let file: SpillFile
    var records = 0
    var p1: UInt64 = 0
    var p2: UInt64 = 0

    init(_ space: SpillSpace) throws { file = try SpillFile(space) }

    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64) throws {
        if records > 0 && a == p1 {
            if b == p2 { return }
            try file.appendVarint(0)
            try file.appendVarint(b - p2)
        } else {
            try file.appendVarint(records == 0 ? a : a - p1)
            try file.appendVarint(b)
        }
        (p1, p2) = (a, b)
        records += 1
    }

    func finish() throws -> Run {
        try file.finishWriting()
        return Run(file: file, records: records)
    }
}

/// Sorts records of two 64-bit keys by (k1, k2), dropping repeats, within a
/// fixed number of records in memory (32 bytes each); the rest spills to
/// runs on disk. Add records, then call ``finish()`` once for a stream of
/// them in order.
final class ExternalSorter {
    private let space: SpillSpace
    let capacity: Int
    private let mergeBytes: Int
    private var k1: UnsafeMutablePointer<UInt64>?
    private var k2: UnsafeMutablePointer<UInt64>?
    private var s1: UnsafeMutablePointer<UInt64>?
    private var s2: UnsafeMutablePointer<UInt64>?
    private var count = 0
    private var runs: [Run] = []
    /// Records added (repeats included).
    private(set) var added = 0

    /// A sorter holding at most `memoryBytes / 32` records in memory, whose
    /// merge reads through `mergeBytes` of buffers in all.
    init(space: SpillSpace, memoryBytes: Int, mergeBytes: Int) {
        self.space = space
        capacity = max(1024, memoryBytes / 32)
        self.mergeBytes = max(mergeBytes, 256 << 10)
    }

    deinit { freeBuffers() }

    private func freeBuffers() {
        for p in [k1, k2, s1, s2] { p?.deallocate() }
        (k1, k2, s1, s2) = (nil, nil, nil, nil)
    }

    @inline(__always)
    func add(_ a: UInt64, _ b: UInt64) throws {
        if k1 == nil {
            k1 = .allocate(capacity: capacity)
            k2 = .allocate(capacity: capacity)
            s1 = .allocate(capacity: capacity)
            s2 = .allocate(capacity: capacity)
        }
        k1![count] = a
        k2![count] = b
        count += 1
        added += 1
        if count == capacity { try spill() }
    }

    /// Sorts the records in memory (LSD radix: by k2, then stably by k1)
    /// and writes them as one run.
    private func spill() throws {
        guard count > 0, let k1, let k2, let s1, let s2 else { return }
        func bits(_ p: UnsafeMutablePointer<UInt64>) -> Int {
            var m: UInt64 = 0
            for i in 0..<count { m |= p[i] }
            return max(1, 64 - m.leadingZeroBitCount)
        }
        let b1 = bits(k1), b2 = bits(k2)
        let byK2 = radixSort(k2, scratch: s2, count: count, bits: b2, payload: (k1, s1))
        let firstByK2 = byK2 == k2 ? k1 : s1
        let keys = firstByK2, keyScratch = firstByK2 == k1 ? s1 : k1
        let vals = byK2, valScratch = byK2 == k2 ? s2 : k2
        let sortedK1 = radixSort(keys, scratch: keyScratch, count: count, bits: b1, payload: (vals, valScratch))
        let sortedK2 = sortedK1 == keys ? vals : valScratch
        let run = try RunWriter(space)
        for i in 0..<count { try run.add(sortedK1[i], sortedK2[i]) }
        runs.append(try run.finish())
        count = 0
    }

    /// Spills what is left, frees the sort buffers and merges the runs (in
    /// several passes when there are more than the merge buffers can read
    /// at once) into one ordered stream without repeats.
    func finish() throws -> MergeStream {
        try spill()
        freeBuffers()
        let minBuffer = 64 << 10
        let fanIn = max(2, mergeBytes / minBuffer)
        while runs.count > fanIn {
            var merged: [Run] = []
            var i = 0
            while i < runs.count {
                let group = Array(runs[i..<min(i + fanIn, runs.count)])
                i += fanIn
                if group.count == 1 {
                    merged.append(group[0])
                    continue
                }
                let stream = MergeStream(group, bufferBytes: mergeBytes / group.count)
                let run = try RunWriter(space)
                while let (a, b) = try stream.next() { try run.add(a, b) }
                merged.append(try run.finish())
            }
            runs = merged  // the inputs' files close here, freeing their space
        }
        let stream = MergeStream(runs, bufferBytes: mergeBytes / max(runs.count, 1))
        runs = []
        return stream
    }

    /// Bytes the runs hold on disk now.
    var spilledBytes: Int { runs.reduce(0) { $0 + $1.file.size } }
}

/// Runs merged in (k1, k2) order, repeats across runs dropped.
final class MergeStream {
    private final class Cursor {
        let reader: SpillReader
        var left: Int
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        init(_ run: Run, bufferBytes: Int) {
            reader = SpillReader(run.file, bufferBytes: bufferBytes)
            left = run.records
        }
        /// Advances to the next record; false at the end of the run.
        func advance(first: Bool) throws -> Bool {
            guard left > 0 else { return false }
            left -= 1
            let d = try reader.varint()
            let b = try reader.varint()
            if first {
                (k1, k2) = (d, b)
            } else if d == 0 {
                k2 &+= b
            } else {
                (k1, k2) = (k1 &+ d, b)
            }
            return true
        }
    }
    private var heap: [Cursor] = []
    private var started = false
    private var runs: [Run]
    private let bufferBytes: Int
    private var last: (UInt64, UInt64)?

    fileprivate init(_ runs: [Run], bufferBytes: Int) {
        self.runs = runs
        self.bufferBytes = max(bufferBytes, 4096)
    }

    @inline(__always)
    private func less(_ a: Cursor, _ b: Cursor) -> Bool { a.k1 < b.k1 || (a.k1 == b.k1 && a.k2 < b.k2) }

    private func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && less(heap[l], heap[m]) { m = l }
            if r < n && less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }

    /// The next record in order, or nil at the end.
    func next() throws -> (UInt64, UInt64)? {
        if !started {
            started = true
            for run in runs {
                let c = Cursor(run, bufferBytes: bufferBytes)
                if try c.advance(first: true) { heap.append(c) }
            }
            runs = []
            for i in stride(from: heap.count / 2, through: 0, by: -1) { siftDown(i) }
        }
        while let top = heap.first {
            let record = (top.k1, top.k2)
            if try top.advance(first: false) {
                siftDown(0)
            } else {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
                if !heap.isEmpty { siftDown(0) }
            }
            if let last, last == record { continue }
            last = record
            return record
        }
        return nil
    }
}
