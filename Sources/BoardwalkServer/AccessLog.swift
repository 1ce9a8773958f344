// Access log lines through swift-log (method, path, status, duration), at
// most N a second: under load the rest are counted, in one line a second.
#if Server
import Foundation
import Logging
import Synchronization

final class AccessLog: Sendable {
    let logger: Logger
    let perSecond: Int
    private struct Window { var second: UInt64 = 0, logged = 0, suppressed = 0 }
    private let window = Mutex(Window())

    init(logger: Logger, perSecond: Int) {
        self.logger = logger
        self.perSecond = perSecond
    }

    func log(method: String, path: String, status: Int, nanoseconds: UInt64) {
        guard perSecond > 0 else { return }
        let now = DispatchTime.now().uptimeNanoseconds / 1_000_000_000
        let (write, dropped) = window.withLock { w -> (Bool, Int) in
            var dropped = 0
            if w.second != now {
                dropped = w.suppressed
                w = Window(second: now)
            }
            if w.logged < perSecond {
                w.logged += 1
                return (true, dropped)
            }
            w.suppressed += 1
            return (false, dropped)
        }
        if dropped > 0 { logger.info("access log: \(dropped) more requests in the last second (--access-log-per-second \(perSecond))") }
        if write {
            logger.info("\(method) \(path) \(status) \(String(format: "%.3f", Double(nanoseconds) / 1e6)) ms")
        }
    }
}
#endif
