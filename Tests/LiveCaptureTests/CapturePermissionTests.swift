// Linux only, like the namespaces and veth pairs they use.
#if os(Linux)

import FlowCapture
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Capturing without privileges: the test binary runs itself as `nobody` (setpriv, no capabilities) with
/// `probeVariable` set, which enables only `probeOpensACaptureAndPrintsTheOutcome`; that probe tries to open a
/// capture and prints what happened.
@Suite struct CapturePermissionTests {
    static let probeVariable = "FLOWMETER_LIVE_CAPTURE_PROBE_INTERFACE"
    static var probeInterface: String? { ProcessInfo.processInfo.environment[probeVariable] }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, "needs root to run a subprocess as nobody"))
    func captureWithoutPrivilegesNamesTheCapabilitiesToGrant() throws {
        guard let setpriv = Subprocess.find("setpriv") else { try Test.cancel("setpriv (util-linux) is not installed") }
        guard getpwnam("nobody") != nil else { try Test.cancel("there is no user nobody") }
        let group = getgrnam("nogroup") != nil ? "nogroup" : "nobody"
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let dropPrivileges = [
            "--reuid", "nobody", "--regid", group, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--",
        ]
        // nobody must be able to run the binary at all (the build directory may be private).
        let reachable = try Subprocess.run(setpriv, dropPrivileges + ["/bin/sh", "-c", "test -x \"$0\"", binary])
        if reachable.status != 0 { try Test.cancel("nobody cannot execute \(binary)") }

        var environment = ProcessInfo.processInfo.environment
        environment[Self.probeVariable] = "lo"
        let result = try Subprocess.run(
            setpriv,
            dropPrivileges + [
                binary, "--testing-library", "swift-testing", "--filter", "probeOpensACaptureAndPrintsTheOutcome",
            ],
            timeout: 15, environment: environment)
        #expect(!result.timedOut)
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("PROBE ") }
        let outcome = try #require(line, "the probe printed nothing: \(result.stdout) \(result.stderr)")
        #expect(outcome.hasPrefix("PROBE permissionDenied "), "\(outcome)")
        #expect(outcome.contains("capture on lo needs privileges"))
        #expect(outcome.contains("CAP_NET_RAW"))
        #expect(outcome.contains("sudo setcap cap_net_raw=eip"))
    }

    @Test(
        .enabled(
            if: probeInterface != nil,
            "runs only as the subprocess of captureWithoutPrivilegesNamesTheCapabilitiesToGrant"))
    func probeOpensACaptureAndPrintsTheOutcome() {
        let interface = Self.probeInterface ?? "lo"
        let outcome: String
        do {
            _ = try LiveCapture(interface: interface)
            outcome = "opened"
        } catch let error as PcapError {
            if case .permissionDenied = error {
                outcome = "permissionDenied \(error)"
            } else {
                outcome = "other \(error)"
            }
        } catch {
            outcome = "other \(error)"
        }
        print("PROBE \(outcome)")
        fflush(nil)
    }
}

#endif
