namespace Msil.Mcp.SampleBackend.Data;

/// <summary>The data every new store starts with: three dealers, eight vehicles, five customers, enquiries and bookings.</summary>
internal static class SeedData
{
    private const string Inr = "INR";

    private static readonly DateTimeOffset Epoch = new(2026, 1, 5, 9, 30, 0, TimeSpan.Zero);

    public static IEnumerable<Dealer> Dealers() =>
    [
        new("DL001", "Arena Motors Gurugram", "Gurugram", "north"),
        new("DL002", "Nexa Lakeside Bengaluru", "Bengaluru", "south"),
        new("DL003", "Arena Western Auto Pune", "Pune", "west"),
    ];

    public static IEnumerable<Customer> Customers() =>
    [
        new("C001", "Aarav Sharma", "aarav.sharma@example.com", "+91 98100 11001", "Gurugram"),
        new("C002", "Priya Nair", "priya.nair@example.com", "+91 98450 22002", "Bengaluru"),
        new("C003", "Rohan Kulkarni", "rohan.kulkarni@example.com", "+91 98220 33003", "Pune"),
        new("C004", "Ananya Iyer", "ananya.iyer@example.com", "+91 99000 44004", "Bengaluru"),
        new("C005", "Vikram Singh", "vikram.singh@example.com", "+91 98111 55005", "Delhi"),
    ];

    public static IEnumerable<Vehicle> Vehicles() =>
    [
        new("V001", "Swift", "ZXi", "petrol", "manual", "Solid Fire Red", 2025, new(749_000m, Inr), 6, "DL001"),
        new("V002", "Swift", "VXi AGS", "petrol", "automatic", "Pearl Arctic White", 2025, new(729_000m, Inr), 0, "DL003"),
        new("V003", "Baleno", "Alpha", "petrol", "automatic", "Nexa Blue", 2025, new(949_000m, Inr), 4, "DL002"),
        new("V004", "Brezza", "ZXi+", "petrol", "automatic", "Brave Khaki", 2025, new(1_398_000m, Inr), 3, "DL001"),
        new("V005", "Brezza", "VXi", "cng", "manual", "Magma Grey", 2024, new(1_064_000m, Inr), 2, "DL003"),
        new("V006", "Ertiga", "ZXi", "petrol", "manual", "Pearl Metallic Auburn Red", 2025, new(1_143_000m, Inr), 5, "DL001"),
        new("V007", "Grand Vitara", "Alpha+ Hybrid", "hybrid", "automatic", "Opulent Red", 2025, new(1_999_000m, Inr), 1, "DL002"),
        new("V008", "Grand Vitara", "Zeta", "petrol", "manual", "Chestnut Brown", 2024, new(1_442_000m, Inr), 0, "DL002"),
    ];

    public static IEnumerable<Enquiry> Enquiries() =>
    [
        new("EQ1001", "DL001", "C001", "Aarav Sharma", "Brezza", "walk_in", "pending", null, Epoch, Epoch),
        new("EQ1002", "DL001", "C005", "Vikram Singh", "Ertiga", "website", "contacted", "Test drive offered for Saturday.", Epoch.AddHours(2), Epoch.AddDays(1)),
        new("EQ1003", "DL001", "C003", "Rohan Kulkarni", "Swift", "phone", "converted", "Booked V001.", Epoch.AddDays(1), Epoch.AddDays(3)),
        new("EQ1004", "DL002", "C002", "Priya Nair", "Grand Vitara", "website", "pending", null, Epoch.AddDays(2), Epoch.AddDays(2)),
        new("EQ1005", "DL002", "C004", "Ananya Iyer", "Baleno", "referral", "contacted", "Wants the Alpha variant in blue.", Epoch.AddDays(2).AddHours(4), Epoch.AddDays(3)),
        new("EQ1006", "DL002", "C002", "Priya Nair", "Baleno", "walk_in", "lost", "Chose another brand.", Epoch.AddDays(3), Epoch.AddDays(6)),
        new("EQ1007", "DL003", "C003", "Rohan Kulkarni", "Brezza", "website", "pending", null, Epoch.AddDays(4), Epoch.AddDays(4)),
        new("EQ1008", "DL003", "C005", "Vikram Singh", "Brezza", "phone", "converted", "CNG variant; exchange of an old Alto agreed.", Epoch.AddDays(5), Epoch.AddDays(8)),
        new("EQ1009", "DL003", "C001", "Aarav Sharma", "Ertiga", "walk_in", "contacted", null, Epoch.AddDays(6), Epoch.AddDays(7)),
    ];

    public static IEnumerable<Booking> Bookings() =>
    [
        new("BK1001", "C003", "V001", "DL001", "Swift", new DateOnly(2026, 1, 10), "Evening delivery preferred.", "confirmed", new(749_000m, Inr), Epoch.AddDays(3)),
        new("BK1002", "C005", "V005", "DL003", "Brezza", null, null, "confirmed", new(1_064_000m, Inr), Epoch.AddDays(8)),
    ];
}
