"""Word lists and a small sentence grammar for the benchmark corpus (Indonesian and English).

The aim is text that trafilatura, the language identifier and a reader treat like news copy:
real words in plausible order, varied sentence shapes, quotes, numbers, places and dates, and
never lorem ipsum. Everything is driven by the ``random.Random`` passed in, so it is
deterministic for a given seed.
"""

from __future__ import annotations

import random

# --------------------------------------------------------------------------------------------
# Indonesian
# --------------------------------------------------------------------------------------------

ID_SUBJECTS = [
    "Pemerintah", "Pemerintah daerah", "Presiden", "Wakil Presiden", "Menteri Keuangan",
    "Menteri Perdagangan", "Menteri Perhubungan", "Menteri Kesehatan", "Menteri Pendidikan",
    "Gubernur DKI Jakarta", "Gubernur Jawa Barat", "Wali Kota Surabaya", "Bupati Bogor",
    "Bank Indonesia", "Otoritas Jasa Keuangan", "Badan Pusat Statistik", "Komisi Pemilihan Umum",
    "Badan Pengawas Pemilu", "Dewan Perwakilan Rakyat", "Komisi V DPR", "Kepolisian Daerah Metro Jaya",
    "Badan Nasional Penanggulangan Bencana", "Badan Meteorologi, Klimatologi, dan Geofisika",
    "PT Kereta Api Indonesia", "PLN", "Pertamina", "Kementerian Pertanian", "Kementerian Sosial",
    "Dinas Perhubungan", "Dinas Kesehatan", "para pedagang", "warga setempat", "petani bawang",
    "nelayan di pesisir utara", "pengemudi ojek daring", "kalangan pengusaha", "para ekonom",
    "mahasiswa", "relawan", "tim SAR gabungan", "pengelola pasar", "asosiasi pengusaha ritel",
    "Persatuan Guru Republik Indonesia", "Ikatan Dokter Indonesia", "Kamar Dagang dan Industri",
    "operator seluler", "maskapai penerbangan", "perusahaan rintisan", "pengamat politik",
    "tokoh masyarakat", "pengurus masjid", "panitia penyelenggara", "komunitas pegiat lingkungan",
]

ID_VERBS = [
    "mengumumkan", "menegaskan", "meminta", "meninjau", "membahas", "menyiapkan", "mengkaji",
    "memperluas", "menolak", "mendukung", "mempercepat", "menunda", "mengevaluasi", "menargetkan",
    "mengusulkan", "memantau", "menyalurkan", "meresmikan", "menyoroti", "mempertanyakan",
    "memperketat", "melonggarkan", "menggelar", "membatalkan", "memperpanjang", "merevisi",
    "mengawasi", "mendorong", "menyepakati", "mengalokasikan",
]

ID_OBJECTS = [
    "rencana pembangunan jalan tol", "kenaikan harga bahan pokok", "program bantuan sosial",
    "aturan transportasi daring", "anggaran pendidikan tahun depan", "proyek irigasi di pedesaan",
    "jadwal pemungutan suara", "penyaluran pupuk bersubsidi", "revitalisasi pasar tradisional",
    "perluasan jaringan internet", "penertiban pedagang kaki lima", "subsidi bahan bakar minyak",
    "pembangunan rumah susun", "pemeriksaan kesehatan gratis", "normalisasi sungai",
    "operasi pasar murah", "pembatasan kendaraan pribadi", "penerimaan calon pegawai negeri",
    "pengadaan kapal nelayan", "kurikulum sekolah dasar", "izin usaha pertambangan",
    "tarif angkutan umum", "cadangan beras nasional", "vaksinasi anak sekolah",
    "pembangunan bendungan", "layanan kereta komuter", "pajak kendaraan bermotor",
    "pengelolaan sampah plastik", "relokasi warga bantaran kali", "festival budaya daerah",
    "program kredit usaha rakyat", "pemulihan lahan gambut", "harga tiket pesawat",
]

ID_PLACES = [
    "Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Yogyakarta", "Palembang",
    "Denpasar", "Balikpapan", "Pontianak", "Manado", "Padang", "Pekanbaru", "Banjarmasin",
    "Kupang", "Jayapura", "Ambon", "Mataram", "Kabupaten Bogor", "Kota Bekasi", "Tangerang Selatan",
    "Kabupaten Sleman", "Kota Malang", "Kabupaten Garut", "Cirebon", "Solo", "Jambi", "Bengkulu",
]

ID_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
ID_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]

ID_TIMES = [
    "pekan lalu", "sejak awal tahun", "menjelang akhir tahun", "dalam dua pekan terakhir",
    "pada bulan depan", "tahun ini", "dalam waktu dekat", "hingga akhir bulan", "sejak pagi",
    "pada semester kedua", "selama musim hujan", "menjelang hari raya",
]

ID_CONNECTORS = [
    "Selain itu,", "Sementara itu,", "Di sisi lain,", "Menurut dia,", "Hingga kini,",
    "Sebelumnya,", "Namun,", "Oleh karena itu,", "Dalam kesempatan yang sama,", "Meski begitu,",
    "Lebih lanjut,", "Adapun", "Sebagai informasi,", "Pada saat yang sama,",
]

ID_REASONS = [
    "karena pasokan dari daerah sentra produksi berkurang",
    "agar pelayanan publik menjadi lebih baik",
    "seiring meningkatnya permintaan masyarakat",
    "untuk menekan angka kecelakaan lalu lintas",
    "supaya harga tetap terjangkau bagi warga",
    "setelah menerima banyak keluhan dari masyarakat",
    "demi menjaga stabilitas ekonomi daerah",
    "karena cuaca buruk yang melanda sejak pekan lalu",
    "menyusul hasil evaluasi tahun sebelumnya",
    "untuk mengantisipasi lonjakan penumpang",
    "sebab anggaran yang tersedia masih terbatas",
    "agar tidak menimbulkan kemacetan di jam sibuk",
]

ID_CLAUSES = [
    "kami akan terus memantau perkembangan di lapangan",
    "semua pihak harus duduk bersama mencari jalan keluar",
    "warga tidak perlu khawatir karena stok masih mencukupi",
    "kebijakan ini sudah melalui kajian yang panjang",
    "kami berharap program ini bisa segera dirasakan manfaatnya",
    "pelaksanaannya akan dievaluasi setiap tiga bulan",
    "kami meminta masyarakat tetap tenang dan tidak mudah percaya kabar bohong",
    "anggaran untuk kegiatan tersebut sudah disiapkan",
    "target kami bisa selesai sebelum akhir tahun",
    "koordinasi dengan pemerintah pusat terus dilakukan",
    "kondisi di lapangan masih terus kami pantau",
    "pedagang kecil jangan sampai dirugikan",
]

ID_ROLES = [
    "kepala dinas setempat", "juru bicara kementerian", "pengamat ekonomi", "ketua asosiasi",
    "anggota dewan", "warga setempat", "pedagang di pasar induk", "kepala desa", "peneliti",
    "direktur utama perusahaan", "ketua panitia", "koordinator lapangan",
]

ID_METRICS = [
    "harga cabai rawit", "inflasi bulanan", "jumlah penumpang", "nilai ekspor", "angka pengangguran",
    "produksi beras", "penjualan kendaraan", "jumlah wisatawan", "penyaluran kredit", "harga emas",
    "volume kendaraan", "jumlah pasien", "penerimaan pajak", "angka kemiskinan",
]

ID_UNITS = [
    ("persen", None), ("kilogram", "Rp{n}.000 per"), ("orang", None), ("unit", None),
    ("kilometer", None), ("hektare", None), ("ton", None),
]

ID_FIRST = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Hendra", "Fajar", "Sri", "Andi", "Wahyu",
            "Yusuf", "Putri", "Rizky", "Lestari", "Bambang", "Nur", "Dian", "Eko", "Ratna", "Joko",
            "Indah", "Teguh", "Maya", "Hasan", "Ayu", "Sutrisno", "Nining", "Arif", "Wulan", "Dimas"]
ID_LAST = ["Santoso", "Wijaya", "Kusuma", "Nugroho", "Hidayat", "Saputra", "Lestari", "Pratama",
           "Rahman", "Setiawan", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Syahputra",
           "Gunawan", "Halim", "Wibowo", "Susanto", "Permana", "Maulana", "Hakim"]

ID_HEAD_SUBJECTS = [
    "Pemerintah", "Pemkot", "Pemprov", "BI", "OJK", "KPU", "Bawaslu", "DPR", "Polisi", "BMKG",
    "BPS", "Warga", "Pedagang", "Petani", "Nelayan", "Rupiah", "Harga Cabai", "Harga Beras",
    "Kemenhub", "Kemenkes", "PLN", "Pertamina", "KAI", "Ojek Daring", "Operator Seluler",
    "Sekolah", "Mahasiswa", "Investor", "IHSG", "Tim SAR",
]
ID_HEAD_VERBS = [
    "Kaji", "Tolak", "Siapkan", "Perluas", "Tunda", "Percepat", "Evaluasi", "Targetkan", "Usulkan",
    "Pantau", "Salurkan", "Resmikan", "Soroti", "Perketat", "Gelar", "Revisi", "Dorong", "Sepakati",
]
ID_HEAD_OBJECTS = [
    "Aturan Ojek Daring", "Tarif Angkutan Umum", "Subsidi BBM", "Bantuan Sosial", "Jalan Tol Baru",
    "Pasar Murah", "Jadwal Pilkada", "Pupuk Bersubsidi", "Rumah Susun", "Normalisasi Sungai",
    "Vaksinasi Anak", "Kurikulum Baru", "Izin Tambang", "Cadangan Beras", "Kereta Komuter",
    "Pajak Kendaraan", "Sampah Plastik", "Festival Budaya", "Kredit Usaha Rakyat", "Lahan Gambut",
    "Tiket Pesawat", "Jaringan 4G", "Pelabuhan Baru", "Bendungan", "Pasar Tradisional",
]
ID_HEAD_TAILS = [
    "Jelang Akhir Tahun", "di Tengah Musim Hujan", "Pekan Depan", "Tahun Ini", "Mulai Bulan Depan",
    "untuk Warga Miskin", "di Sejumlah Daerah", "Pascabanjir", "Jelang Hari Raya", "",
    "", "", "di Jakarta", "di Jawa Barat", "di Luar Jawa",
]

ID_SECTIONS = ["Nasional", "Politik", "Ekonomi", "Internasional", "Megapolitan", "Olahraga",
               "Teknologi", "Gaya Hidup", "Otomotif", "Kesehatan", "Pendidikan", "Daerah"]
ID_TAGS = ["Harga Pangan", "Inflasi", "Pilkada", "Banjir", "Transportasi", "Ojek Daring",
           "Jalan Tol", "Bantuan Sosial", "Pendidikan", "Kesehatan", "Pertanian", "Perikanan",
           "Energi", "BBM", "Rupiah", "Pasar Modal", "UMKM", "Pariwisata", "Budaya", "Kuliner",
           "Lingkungan", "Bencana", "Hukum", "Korupsi", "DPR", "Sepak Bola", "Bulu Tangkis",
           "Teknologi", "Internet", "Startup", "Perbankan", "Properti", "Ketenagakerjaan"]
ID_COMMENTS = [
    "Semoga cepat ditangani, kasihan warga yang terdampak.",
    "Harusnya dari dulu kebijakan ini diterapkan.",
    "Beritanya bagus, tapi mohon dicek lagi datanya.",
    "Di daerah saya juga sama, harga sudah naik sejak minggu lalu.",
    "Pemerintah jangan cuma janji, rakyat butuh bukti.",
    "Terima kasih infonya, sangat membantu.",
    "Setuju, asal pelaksanaannya diawasi dengan benar.",
    "Kapan giliran kota kami dapat program seperti ini?",
    "Mantap, semoga berjalan lancar sampai selesai.",
    "Saya kurang setuju, masih banyak yang perlu dibenahi.",
]

# --------------------------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------------------------

EN_SUBJECTS = [
    "The government", "The finance ministry", "The central bank", "Jakarta's governor",
    "The transport ministry", "Health officials", "Election officials", "The national police",
    "The disaster agency", "Economists", "Analysts", "Local residents", "Traders", "Farmers",
    "Fishermen on the north coast", "Ride-hailing drivers", "Business groups", "Lawmakers",
    "The parliamentary commission", "The state electricity company", "The state oil company",
    "Airline executives", "Exporters", "Investors", "The statistics agency", "Teachers' unions",
    "Environmental groups", "City planners", "Port operators", "Regional leaders", "Students",
    "The weather agency", "Rescue teams", "Hospital administrators", "Telecom operators",
]
EN_VERBS = [
    "announced", "rejected", "welcomed", "reviewed", "postponed", "accelerated", "questioned",
    "proposed", "approved", "criticised", "defended", "expanded", "tightened", "relaxed",
    "extended", "revised", "launched", "suspended", "backed", "warned against",
    "called for", "outlined", "unveiled", "scrapped", "finalised",
]
EN_OBJECTS = [
    "a plan to build new toll roads", "higher fuel subsidies", "the social assistance programme",
    "new rules for app-based transport", "next year's education budget", "an irrigation project",
    "the election timetable", "the distribution of subsidised fertiliser",
    "the overhaul of traditional markets", "faster rural internet", "restrictions on private cars",
    "a civil service hiring round", "a new school curriculum", "mining permits",
    "public transport fares", "the national rice reserve", "a vaccination drive for schoolchildren",
    "a new dam in West Java", "commuter rail services", "the vehicle tax", "a ban on plastic bags",
    "the relocation of riverbank residents", "a regional culture festival", "cheap credit for small firms",
    "peatland restoration", "airfares during the holidays", "a deep-sea port", "flood defences",
]
EN_PLACES = [
    "Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Yogyakarta", "Palembang",
    "Denpasar", "Balikpapan", "Pontianak", "Manado", "Kuala Lumpur", "Singapore", "Bangkok",
    "Manila", "Hanoi", "Bogor", "Bekasi", "Tangerang", "Batam", "Lombok", "Papua", "Sumatra",
]
EN_TIMES = [
    "last week", "since the start of the year", "before the end of the year",
    "over the past two weeks", "next month", "this year", "in the coming weeks",
    "by the end of the month", "on Monday", "on Tuesday", "on Wednesday", "on Thursday",
    "on Friday", "during the rainy season", "ahead of the holidays", "in the second half",
]
EN_CONNECTORS = [
    "Meanwhile,", "However,", "In addition,", "At the same time,", "Separately,", "Earlier,",
    "Even so,", "As a result,", "By contrast,", "Still,", "According to officials,", "For now,",
]
EN_REASONS = [
    "because supplies from producing regions have fallen",
    "to improve public services",
    "as demand continues to grow",
    "to cut the number of road accidents",
    "so that prices stay affordable",
    "after a wave of complaints from residents",
    "to keep the regional economy stable",
    "because of heavy rain since last week",
    "following a review of last year's results",
    "in anticipation of a surge in passengers",
    "since the available budget remains limited",
    "to ease congestion at peak hours",
]
EN_CLAUSES = [
    "we will keep monitoring the situation on the ground",
    "everyone needs to sit down together and find a solution",
    "there is no need to panic because stocks are sufficient",
    "this policy is the result of a long review",
    "we hope people will feel the benefits soon",
    "the programme will be evaluated every three months",
    "the budget for this has already been set aside",
    "our target is to finish before the end of the year",
    "we are coordinating closely with the central government",
    "small traders must not be the ones who lose out",
    "it is too early to say whether the measures are working",
    "investors are waiting for clearer signals",
]
EN_ROLES = [
    "a spokesman for the ministry", "an economist at a Jakarta think tank", "head of the local agency",
    "a member of parliament", "a resident", "a trader at the central market", "a village head",
    "a researcher", "the company's chief executive", "the organising committee chairman",
    "a senior analyst", "a field coordinator",
]
EN_METRICS = [
    "chilli prices", "monthly inflation", "passenger numbers", "exports", "unemployment",
    "rice output", "car sales", "tourist arrivals", "bank lending", "gold prices",
    "traffic volumes", "hospital admissions", "tax revenue", "the poverty rate",
]
EN_FIRST = ["Sarah", "Daniel", "Maria", "Kevin", "Budi", "Siti", "Michael", "Anita", "David",
            "Grace", "Rudy", "Linda", "James", "Nadia", "Peter", "Yuli", "Thomas", "Citra", "Adam",
            "Rachel", "Hugo", "Amelia", "Jonathan", "Farah"]
EN_LAST = ["Lim", "Hartono", "Tan", "Wijaya", "Santoso", "Chen", "Sinaga", "Gunawan", "Lee",
           "Halim", "Pratama", "Walker", "Reid", "Soeharto", "Kusnadi", "Morgan", "Wong", "Suryadi"]
EN_HEAD_SUBJECTS = [
    "Jakarta", "Indonesia", "Rupiah", "Central bank", "Ride-hailing apps", "Farmers", "Exporters",
    "Lawmakers", "Regulators", "ASEAN leaders", "Coffee growers", "Airlines", "Investors",
    "Fishermen", "Teachers", "Rescue teams", "Palm oil firms", "Startups", "Telecom operators",
    "Election body", "Police", "Port operators", "Bali", "Commuters",
]
EN_HEAD_VERBS = [
    "braces for", "weighs", "rejects", "backs", "eyes", "questions", "delays", "speeds up",
    "tests", "pushes for", "warns of", "welcomes", "reviews", "struggles with", "bets on",
]
EN_HEAD_OBJECTS = [
    "rainy season floods", "new transport rules", "fuel subsidy cuts", "premium markets",
    "toll road plan", "rice import quota", "school curriculum overhaul", "mining permit review",
    "fare increase", "haze crisis", "regional trade pact", "budget deficit", "tax amnesty",
    "commuter rail expansion", "plastic bag ban", "peatland restoration", "holiday travel rush",
    "4G rollout", "minimum wage rise", "port upgrade",
]
EN_HEAD_TAILS = ["", "", "", "as prices climb", "ahead of holidays", "amid protests",
                 "as deadline nears", "despite objections", "after talks", "in Jakarta"]
EN_SECTIONS = ["news", "business", "region", "tech", "environment", "opinion", "sports", "life"]
EN_TAGS = ["ASEAN", "Economy", "Trade", "Inflation", "Elections", "Floods", "Transport",
           "Ride-hailing", "Energy", "Fuel subsidies", "Rupiah", "Markets", "Small business",
           "Tourism", "Culture", "Food", "Environment", "Haze", "Disaster", "Law", "Corruption",
           "Parliament", "Football", "Badminton", "Technology", "Startups", "Banking", "Property",
           "Labour", "Education", "Health", "Jakarta", "Bali", "Malaysia", "Singapore"]
EN_COMMENTS = [
    "Good overview. The real question is whether this will be enforced.",
    "This should have happened years ago.",
    "Interesting piece, but the numbers look off to me.",
    "Same story in my neighbourhood, prices have been rising for weeks.",
    "Promises are cheap. Let's see what actually gets built.",
    "Thanks for the explainer, very useful.",
    "Agreed, as long as someone keeps an eye on the money.",
    "When is our city going to get something like this?",
    "Great reporting, please follow up in a few months.",
    "I'm not convinced. There is a lot that still needs fixing.",
]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class Writer:
    """Sentences, paragraphs, headlines and names in one language."""

    def __init__(self, rng: random.Random, language: str):
        self.rng = rng
        self.language = language

    # -- names and labels ---------------------------------------------------------------------

    def person(self) -> str:
        r = self.rng
        if self.language == "id":
            return f"{r.choice(ID_FIRST)} {r.choice(ID_LAST)}"
        return f"{r.choice(EN_FIRST)} {r.choice(EN_LAST)}"

    def headline(self) -> str:
        r = self.rng
        if self.language == "id":
            parts = [r.choice(ID_HEAD_SUBJECTS), r.choice(ID_HEAD_VERBS), r.choice(ID_HEAD_OBJECTS),
                     r.choice(ID_HEAD_TAILS)]
        else:
            parts = [r.choice(EN_HEAD_SUBJECTS), r.choice(EN_HEAD_VERBS), r.choice(EN_HEAD_OBJECTS),
                     r.choice(EN_HEAD_TAILS)]
        return " ".join(p for p in parts if p)

    def section(self) -> str:
        return self.rng.choice(ID_SECTIONS if self.language == "id" else EN_SECTIONS)

    def tags(self, k: int) -> list[str]:
        return self.rng.sample(ID_TAGS if self.language == "id" else EN_TAGS, k)

    def comment(self) -> str:
        r = self.rng
        pool = ID_COMMENTS if self.language == "id" else EN_COMMENTS
        text = r.choice(pool)
        if r.random() < 0.5:
            text += " " + self.sentence()
        return text

    # -- sentences ----------------------------------------------------------------------------

    def _number(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return str(r.randint(2, 95))
        return f"{r.randint(1, 9)}{',' if self.language == 'id' else '.'}{r.randint(1, 9)}"

    def sentence(self) -> str:
        r = self.rng
        kind = r.random()
        if self.language == "id":
            if kind < 0.30:
                s = f"{r.choice(ID_SUBJECTS)} {r.choice(ID_VERBS)} {r.choice(ID_OBJECTS)} di {r.choice(ID_PLACES)} {r.choice(ID_TIMES)}."
            elif kind < 0.50:
                s = f"{r.choice(ID_CONNECTORS)} {r.choice(ID_SUBJECTS).lower() if r.random() < 0.3 else r.choice(ID_SUBJECTS)} {r.choice(ID_VERBS)} {r.choice(ID_OBJECTS)} {r.choice(ID_REASONS)}."
            elif kind < 0.68:
                s = f"“{_cap(r.choice(ID_CLAUSES))},” kata {self.person()}, {r.choice(ID_ROLES)}, di {r.choice(ID_PLACES)}, {r.choice(ID_DAYS)} ({r.randint(1, 28)}/{r.randint(1, 12)})."
            elif kind < 0.84:
                metric = r.choice(ID_METRICS)
                direction = r.choice(["naik", "turun", "meningkat", "melambat", "bertambah"])
                s = f"Data {r.choice(['Badan Pusat Statistik', 'kementerian', 'dinas setempat', 'asosiasi'])} menunjukkan {metric} {direction} {self._number()} persen {r.choice(ID_TIMES)}, {r.choice(ID_REASONS)}."
            else:
                s = f"{_cap(r.choice(ID_SUBJECTS))} menyebut {r.choice(ID_OBJECTS)} di {r.choice(ID_PLACES)} ditargetkan rampung pada {r.choice(ID_MONTHS)} {r.randint(2016, 2027)} dengan anggaran Rp{r.randint(2, 950)} miliar."
        else:
            if kind < 0.30:
                s = f"{r.choice(EN_SUBJECTS)} {r.choice(EN_VERBS)} {r.choice(EN_OBJECTS)} in {r.choice(EN_PLACES)} {r.choice(EN_TIMES)}."
            elif kind < 0.50:
                subject = r.choice(EN_SUBJECTS)
                s = f"{r.choice(EN_CONNECTORS)} {subject[0].lower() + subject[1:] if subject.startswith('The') else subject} {r.choice(EN_VERBS)} {r.choice(EN_OBJECTS)} {r.choice(EN_REASONS)}."
            elif kind < 0.68:
                s = f"“{_cap(r.choice(EN_CLAUSES))},” said {self.person()}, {r.choice(EN_ROLES)}, in {r.choice(EN_PLACES)}."
            elif kind < 0.84:
                metric = r.choice(EN_METRICS)
                direction = r.choice(["rose", "fell", "climbed", "slowed", "edged up", "dropped"])
                s = f"Figures from {r.choice(['the statistics agency', 'the ministry', 'the local agency', 'an industry group'])} show {metric} {direction} {self._number()} percent {r.choice(EN_TIMES)}, {r.choice(EN_REASONS)}."
            else:
                s = f"{r.choice(EN_SUBJECTS)} said {r.choice(EN_OBJECTS)} in {r.choice(EN_PLACES)} should be finished by {r.choice(['March', 'June', 'September', 'December'])} {r.randint(2016, 2027)} at a cost of {r.randint(2, 950)} billion rupiah."
        return s

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def body(self, words: int) -> list[str]:
        """Paragraphs totalling about ``words`` words (2–5 sentences each)."""
        paras: list[str] = []
        count = 0
        while count < words:
            sentences = []
            for _ in range(self.rng.randint(2, 5)):
                s = self.sentence()
                sentences.append(s)
                count += len(s.split())
                if count >= words:
                    break
            paras.append(" ".join(sentences))
        return paras

    def subheading(self) -> str:
        r = self.rng
        if self.language == "id":
            return r.choice(["Dampak bagi Warga", "Tanggapan Pemerintah", "Kata Pengamat",
                             "Langkah Selanjutnya", "Anggaran dan Jadwal", "Suara dari Lapangan"])
        return r.choice(["What it means for residents", "The government's response",
                         "What analysts say", "Next steps", "Budget and timeline", "Voices from the ground"])
