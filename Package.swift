// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "userimportd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "userimportd", targets: ["userimportd"]),
        .executable(name: "userimportctl", targets: ["userimportctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The system libraries, linked as the distribution ships them.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(
            name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // Header-only shims for Linux calls Glibc's overlay does not import (renameat2, openat).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),

        // The SHA extensions' block function, header-only (the core's file fingerprint).
        .systemLibrary(name: "CSHA256", path: "Sources/CSHA256"),

        // The pure core: CSV reading, header mapping, row rules, report text. No I/O.
        .target(name: "UserImportCore", dependencies: ["CSHA256"]),

        // SQLite adapter: connection wrapper, migrations, the user directory and history.
        .target(
            name: "UserImportStore",
            dependencies: ["CSQLite", "UserImportCore"]
        ),

        // PostgreSQL adapter (libpq): the store on a database server several hosts share.
        .target(
            name: "UserImportPostgres",
            dependencies: ["CLibPQ", "UserImportCore", "UserImportStore"]
        ),

        // A throwaway PostgreSQL server on a Unix socket, for the tests and the benchmark.
        .target(name: "PostgresScratch", dependencies: ["UserImportPostgres"]),

        // Everything that touches the real system: folders, configuration, the pipeline.
        .target(
            name: "UserImportService",
            dependencies: [
                "CLinux",
                "CSystemd",
                "UserImportCore",
                "UserImportStore",
                "UserImportPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "userimportd",
            dependencies: [
                "UserImportService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The admin tool, with what only it needs (dry run, submit, status, terminal width): the
        // daemon's module holds none of it.
        .executableTarget(
            name: "userimportctl",
            dependencies: [
                "CLinux",
                "UserImportCore",
                "UserImportStore",
                "UserImportService",
                "UserImportPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // A seeded generator for the data the tests, the soak and the benchmark generate.
        .target(name: "SeededRandom"),

        // `make bench`: the product against its floors, on generated data.
        .executableTarget(
            name: "userimport-bench",
            dependencies: [
                "UserImportCore", "UserImportStore", "UserImportService", "UserImportPostgres",
                "PostgresScratch",
                "CLinux", "SeededRandom",
            ]
        ),

        .testTarget(
            name: "UserImportCoreTests",
            dependencies: ["UserImportCore", "SeededRandom"],
            path: "Tests/UserImportCoreTests"
        ),
        .testTarget(
            name: "UserImportStoreTests",
            dependencies: ["UserImportStore", "UserImportCore", "SeededRandom"],
            path: "Tests/UserImportStoreTests"
        ),
        .testTarget(
            name: "UserImportPostgresTests",
            dependencies: [
                "UserImportPostgres", "PostgresScratch", "UserImportStore", "UserImportService",
                "UserImportCore",
                "SeededRandom",
            ],
            path: "Tests/UserImportPostgresTests"
        ),
        .testTarget(
            name: "UserImportServiceTests",
            dependencies: [
                "UserImportService", "UserImportStore", "UserImportCore", "SeededRandom",
                "UserImportPostgres",
                "PostgresScratch", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/UserImportServiceTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
