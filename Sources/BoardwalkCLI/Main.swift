// The `boardwalk` command: build, inspect, verify and query graphs.
import ArgumentParser
import Boardwalk
import Foundation

@main
struct BoardwalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boardwalk",
        abstract: "Pixie-style random-walk recommendations over a pin-board graph in one LMDB file.",
        version: Boardwalk.libraryVersion,
        subcommands: [Build.self, Info.self, Verify.self, Generate.self, Query.self, Bench.self, Eval.self, Serve.self]
    )
}
