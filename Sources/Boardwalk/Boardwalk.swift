// Library-wide facts.
import CBoardwalk

/// The library's version, "X.Y.Z".
///
/// The corresponding C function is `bw_libversion`.
public let libraryVersion: String = String(cString: bw_libversion())

/// The graph format version this library reads and writes.
///
/// The corresponding C function is `bw_format_version`.
public let formatVersion: UInt32 = bw_format_version()
