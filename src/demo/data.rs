//! The demo's raw material: a deterministic generator, the product models with their serial formats and prices, and the names, cities and companies of its customers.

use super::*;

/// A small deterministic generator (xorshift), so the demo needs no randomness crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        (0..n)
            .map(|_| A[self.below(A.len() as u64) as usize] as char)
            .collect()
    }
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

pub(super) struct Model {
    pub(super) sku: &'static str,
    pub(super) name: &'static str,
    pub(super) category: &'static str,
    pub(super) brand: &'static str,
    pub(super) spec: &'static str,
    /// (variant SKU suffix, variant name, grade, colour, list price, acquisition cost)
    pub(super) variants: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
    )],
    pub(super) serial: fn(&mut Rng) -> String,
}

pub(super) fn apple_serial(r: &mut Rng) -> String {
    format!("C02{}", r.alnum(9))
}
pub(super) fn lenovo_serial(r: &mut Rng) -> String {
    format!("PF{}", r.alnum(6))
}
pub(super) fn dell_serial(r: &mut Rng) -> String {
    r.alnum(7)
}
pub(super) fn imei(r: &mut Rng) -> String {
    imei_with_check_digit(&format!("35{}", r.digits(12)))
}
pub(super) fn bike_serial(r: &mut Rng) -> String {
    format!("EB-{}-{}", r.digits(4), r.alnum(5))
}
pub(super) fn chair_serial(r: &mut Rng) -> String {
    format!("CH{}", r.digits(9))
}
pub(super) fn stroller_serial(r: &mut Rng) -> String {
    format!("ST-{}", r.alnum(8))
}

pub(super) const MODELS: &[Model] = &[
    Model {
        sku: "MBA13-M3",
        name: "MacBook Air 13\" M3",
        category: "Laptops",
        brand: "Apple",
        spec: "Apple M3, 13.6\" Liquid Retina, macOS",
        serial: apple_serial,
        variants: &[
            (
                "8-256-MID-A",
                "8 GB / 256 GB Midnight",
                "A",
                "Midnight",
                1299,
                1080,
            ),
            (
                "16-512-SLV-A",
                "16 GB / 512 GB Silver",
                "A",
                "Silver",
                1799,
                1490,
            ),
            (
                "8-256-MID-B",
                "8 GB / 256 GB Midnight (refurbished)",
                "B",
                "Midnight",
                1099,
                760,
            ),
        ],
    },
    Model {
        sku: "MBP14-M3P",
        name: "MacBook Pro 14\" M3 Pro",
        category: "Laptops",
        brand: "Apple",
        spec: "Apple M3 Pro, 14.2\" XDR, macOS",
        serial: apple_serial,
        variants: &[(
            "18-512-SB-A",
            "18 GB / 512 GB Space Black",
            "A",
            "Space Black",
            2399,
            2010,
        )],
    },
    Model {
        sku: "T14-G5",
        name: "ThinkPad T14 Gen 5",
        category: "Laptops",
        brand: "Lenovo",
        spec: "Intel Core Ultra 7, 14\" WUXGA, Windows 11 Pro",
        serial: lenovo_serial,
        variants: &[
            ("16-512-A", "16 GB / 512 GB", "A", "Black", 1549, 1240),
            ("32-1T-A", "32 GB / 1 TB", "A", "Black", 1899, 1530),
        ],
    },
    Model {
        sku: "XPS13-9340",
        name: "XPS 13",
        category: "Laptops",
        brand: "Dell",
        spec: "Intel Core Ultra 7, 13.4\" FHD+, Windows 11",
        serial: dell_serial,
        variants: &[(
            "16-512-PLT-A",
            "16 GB / 512 GB Platinum",
            "A",
            "Platinum",
            1449,
            1170,
        )],
    },
    Model {
        sku: "IP15",
        name: "iPhone 15",
        category: "Phones",
        brand: "Apple",
        spec: "6.1\" Super Retina XDR, A16 Bionic, 5G",
        serial: imei,
        variants: &[
            ("128-BLK-A", "128 GB Black", "A", "Black", 969, 820),
            ("128-BLU-A", "128 GB Blue", "A", "Blue", 969, 820),
            (
                "128-BLK-C",
                "128 GB Black (visible wear)",
                "C",
                "Black",
                649,
                430,
            ),
        ],
    },
    Model {
        sku: "GS24",
        name: "Galaxy S24",
        category: "Phones",
        brand: "Samsung",
        spec: "6.2\" Dynamic AMOLED 2X, 5G",
        serial: imei,
        variants: &[(
            "256-ONX-A",
            "256 GB Onyx Black",
            "A",
            "Onyx Black",
            959,
            790,
        )],
    },
    Model {
        sku: "FP5",
        name: "Fairphone 5",
        category: "Phones",
        brand: "Fairphone",
        spec: "6.46\" OLED, repairable, 5G",
        serial: imei,
        variants: &[("256-SKY-A", "256 GB Sky Blue", "A", "Sky Blue", 699, 560)],
    },
    Model {
        sku: "VM-S5",
        name: "VanMoof S5",
        category: "E-bikes",
        brand: "VanMoof",
        spec: "Front-hub motor, 487 Wh, 5-speed e-shifter",
        serial: bike_serial,
        variants: &[
            ("DARK-A", "Dark Grey", "A", "Dark Grey", 3498, 2650),
            ("LIGHT-A", "Light Grey", "A", "Light Grey", 3498, 2650),
        ],
    },
    Model {
        sku: "COW-4",
        name: "Cowboy 4",
        category: "E-bikes",
        brand: "Cowboy",
        spec: "Rear-hub motor, 360 Wh, belt drive",
        serial: bike_serial,
        variants: &[("MINERAL-A", "Mineral Grey", "A", "Mineral Grey", 2990, 2240)],
    },
    Model {
        sku: "GAZ-C380",
        name: "Ultimate C380",
        category: "E-bikes",
        brand: "Gazelle",
        spec: "Bosch Performance Line, 500 Wh, Enviolo C380",
        serial: bike_serial,
        variants: &[("BLUE-53-A", "Frame 53 cm, Blue", "A", "Blue", 3899, 3020)],
    },
    Model {
        sku: "HM-AERON",
        name: "Aeron Chair",
        category: "Office chairs",
        brand: "Herman Miller",
        spec: "Size B, PostureFit SL, adjustable arms",
        serial: chair_serial,
        variants: &[
            ("B-GRAPH-A", "Size B Graphite", "A", "Graphite", 1649, 1120),
            (
                "B-GRAPH-B",
                "Size B Graphite (refurbished)",
                "B",
                "Graphite",
                1649,
                690,
            ),
        ],
    },
    Model {
        sku: "SC-LEAP2",
        name: "Leap V2",
        category: "Office chairs",
        brand: "Steelcase",
        spec: "LiveBack, 4-way arms, lumbar",
        serial: chair_serial,
        variants: &[("BLK-A", "Black fabric", "A", "Black", 1299, 870)],
    },
    Model {
        sku: "BUG-FOX5",
        name: "Fox 5",
        category: "Strollers",
        brand: "Bugaboo",
        spec: "All-terrain, bassinet and seat, 0–4 years",
        serial: stroller_serial,
        variants: &[("BLACK-A", "Black / Midnight Black", "A", "Black", 1199, 860)],
    },
    Model {
        sku: "JOOLZ-DAY",
        name: "Day+",
        category: "Strollers",
        brand: "Joolz",
        spec: "Compact city stroller, cot and seat",
        serial: stroller_serial,
        variants: &[("GREY-A", "Awesome Grey", "A", "Grey", 999, 690)],
    },
];

/// Monthly price for a contract length: shorter contracts cost more per month.
pub(super) fn monthly(list: i64, months: u32) -> Decimal {
    let factor = match months {
        6 => Decimal::new(95, 3),
        12 => Decimal::new(70, 3),
        24 => Decimal::new(46, 3),
        _ => Decimal::new(36, 3),
    };
    (Decimal::from(list) * factor).round_dp(0) - Decimal::new(1, 2)
}

pub(super) const FIRST: &[&str] = &[
    "Emma", "Daan", "Sophie", "Lucas", "Julia", "Sem", "Mila", "Noah", "Tess", "Finn", "Anna",
    "Liam", "Saar", "Bram", "Fleur", "Jesse", "Lotte", "Thijs", "Eva", "Ruben",
];
pub(super) const LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
];
pub(super) const US_FIRST: &[&str] = &[
    "Olivia", "James", "Ava", "Mason", "Harper", "Ethan", "Amelia", "Logan", "Chloe", "Jackson",
    "Grace", "Lucas", "Zoe", "Henry",
];
pub(super) const US_LAST: &[&str] = &[
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
];
pub(super) const NL_CITIES: &[(&str, &str, &str)] = &[
    ("Amsterdam", "1017 CT", "Keizersgracht"),
    ("Rotterdam", "3011 AD", "Coolsingel"),
    ("Utrecht", "3511 LX", "Oudegracht"),
    ("Den Haag", "2511 CV", "Lange Voorhout"),
    ("Eindhoven", "5611 AH", "Stratumseind"),
];
pub(super) const US_CITIES: &[(&str, &str, &str, &str)] = &[
    ("Austin", "78701", "Congress Ave", "TX"),
    ("Houston", "77002", "Main St", "TX"),
    ("Dallas", "75201", "Elm St", "TX"),
    ("San Antonio", "78205", "Commerce St", "TX"),
];
pub(super) const NL_COMPANIES: &[&str] = &[
    "Grachtwerk B.V.",
    "Polder Digital B.V.",
    "Tulp & Co",
    "Noordzee Logistiek B.V.",
    "Molen Studio",
    "Deltaplan Advies B.V.",
];
pub(super) const US_COMPANIES: &[&str] = &[
    "Lone Star Analytics LLC",
    "Bluebonnet Design Co.",
    "Riverwalk Ventures Inc.",
];
