// Library-wide facts.
import CBoardwalk

/// The library's version, "X.Y.Z" (from `bw_libversion`).
public let libraryVersion: String = String(cString: bw_libversion())

/// The graph format version this library reads and writes.
public let formatVersion: UInt32 = bw_format_version()
