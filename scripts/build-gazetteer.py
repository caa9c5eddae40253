#!/usr/bin/env python3
"""Rebuild the default skill gazetteer of jobfit-text: crates/text/data/skills.tsv.

Usage: scripts/build-gazetteer.py [--shared DIR] [--out DIR]

DIR defaults to ../shared next to the repository root. The script reads two public lists and writes a sorted,
deterministic TSV, plus the license and attribution files next to it:

- DIR/data/skills-gazetteer/skills.json: 30,957 lower-cased skill strings from the `skill-extractor` project
  (MIT). Its LICENSE is copied to crates/text/data/LICENSE-skills-gazetteer.
- DIR/data/onet-29.3/Technology Skills.txt: the technology examples of O*NET 29.3 (CC BY 4.0), which give proper
  names ("Microsoft Excel", "MySQL") and canonical casing. The attribution goes to crates/text/data/NOTICE.md.

Output columns (see the `skills` module of jobfit-text): canonical name, aliases matched ignoring case,
case-sensitive forms, sources; lists separated by "|".

How entries are cleaned (the lists below are the hand-made part; change them and rerun):

1. Text is NFKC-normalised, curly quotes and Unicode hyphens become ASCII, white space is collapsed.
2. Junk is dropped. A skill-extractor string is dropped when it is in DROP, has no letter, is a single character,
   has more than five words, is a personality trait phrase (TRAIT_PATTERNS), ends in a generic noun or a job title
   ("market trends", "business analyst": GENERIC_HEADS, TITLE_HEADS) without a technical word, is in DROP_PHRASES,
   or joins skills that are already entries with "/" ("maven/gradle"; short parts such as "ci/cd" or "tcp/ip"
   are kept whole). DROP holds the single
   words that are common English words rather than skills: every single-word entry frequent in general English
   (a Zipf frequency of 2.8 or more in the wordfreq English list, about 2,000 words) was reviewed by hand, and
   generic nouns, verbs, adjectives, traits, people's and place names went to DROP; words that name a skill
   (accounting, payroll, bookkeeping, chemistry) were kept; tool names that are also English words (Excel, Spark,
   Swift, Outlook) went to EXACT.
3. Short or ambiguous names are matched case-sensitively: EXACT maps them to the one spelling that counts
   ("R", "Go", "Excel", "SAS"), and every other two-letter string is matched in upper case only ("QA", "UX").
4. Variants are merged into one skill: a version suffix (".net 6+", "python 3", "html5") becomes an alias of its
   base; "phrase (acr)" gives the phrase and, when "acr" is an entry, merges the two.
5. O*NET examples: generic descriptions ("Web browser software") are dropped, except a description with an
   acronym ("Enterprise resource planning ERP software"), which becomes the acronym with the phrase as alias
   (unless the acronym is better known as another product, OTHER_PRODUCT_ACRONYMS).
   A trailing " software" is removed from product names. When a name minus a leading vendor is a
   skill-extractor entry ("Oracle Java" -> "java", "Microsoft Excel" -> "excel"), the two are merged; a form
   claimed by several names is given to none.
6. Canonical names: PREFERRED first (it also gives "IBM Terraform" and "Jenkins CI" the names people use; skills
   whose names then differ only in case are merged, so "Jenkins CI" joins "jenkins"), then the O*NET name, then
   CASING, then the string itself, with acronyms in upper case and tokens that O*NET writes in mixed or upper case
   (MySQL, AWS) cased as O*NET does; other single-word names that are not English words are capitalised
   ("kubernetes" -> "Kubernetes").

A few languages, which neither list has, are added by hand (CURATED).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ONET_ATTRIBUTION = (
    "This product includes information from the O*NET 29.3 Database by the U.S. Department of Labor, "
    "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license."
)

# Single words that are common English words, not skills (see step 2 above). Lower case.
DROP = set(
    """
2g 3g 4g 6g a+ abbott abc able absence abstraction aca acc accelerators accent acceptance accessibility
accountability accountable accounts accreditation accuracy ach acid ack acl acquisition acquisitions actions adam
adaptability adapters adapts adc adenine adhesives adjust adjustments administration admissions ado adobe adonis
adoption ads adventurous advisory aec aerospace aes agency agents aggregation agm agora agreements aha aim airlines
ais aladdin alarms alerting alerts alf algae algorithm algorithms alibaba alice alignment allocation allure alpine
altair aluminium amazon amber ambition ami amos amplifiers amplitude amps amr ams anaconda analytical analyze
anchoring andes ansi ant antivirus apache apc apex apo apollo approval approvals apps ar arc arcade archer archiving
argo argus arm arrow art ashby asi asic asp aspen assembler assembly assertive assessment assessments asset assets
assignments assortment assurance astm astro atc atf athena atlas atp ats attentiveness attributes attribution audio
audits aura aurora auth authentication authenticity authority authorization authorizations automobile automotive
autonomy availability awareness axe axiom aztec babel backtrack backup backups bagging balances bamboo banking
bankruptcy banks bard basel basic batch batik battery beam bearings beauty bedrock bee behave belts benchmarks
bertrand bess beta betting bias bicep bills binders bing biofuel biometric biotech bis bistro black blackrock blade
blasting bleu blink bliss bloc blogger blue blueprints bmc bolts bon bonds boo books boomerang bos bosh bpm
branching brava breakers breeze brew briefs broadcast browse bruno bsp bubble budgets bull bullion bun bundling busy
buying cables cac cache caches caching cadence caffeine calendar calendars calibre caliper callas camel cameras
canaries candle canoe canvas cap cards carla cash castings castor catalog catalyst cayenne cca cd cdc cdn cds ce
cecil celery cellular cement centrifuges cents certificates ceylon cfr cfs chai chain chains channel channels chapel
charging charity charm charts chat checklist checkpoint chef chemical chemicals chill chimera chisel chromatic
chrome chromium chronicle chuck churn ci circuits circulars cis claims claire clarion clarity classification claude
clause clay clean clearing clerk cli climate cline clinical clipper clocks clos closing closures clustering clusters
cma cmc cme cmos cnn coating coatings cobra cockpit cod coda coder codex coffee cognitive cohorts cola collaboration
collaborative collection combine commitment commodities communication communicative communities compaction compass
compatibility compensation competitive compiler compilers compiling completion components composer composition
comprehension compression compute computers computing concession concord concourse concurrency conferences
confidence confidentiality config configurations confirmations conman connectivity connectors conservation
consistency console constraints construction consul consult consultancy consultation consumer consumption contacts
container containers continue contour contracting contracts control controller controllers controlling controls
converge convertibles convex conveyors convincing cookies cool copa cordova corn correctness correspondence cortex
cosmos coverage cpap cpc cpi cpl cpm cpu cra craftsmanship crawling creativity credit cricket cro cron crucible
crypto csa csi csr ct cte ctr cubic curl currencies curry cursor custodians custody customisation customization
customizing customs cvs cx cyclone cypher dac dagger dairy dam dane daphne dapper dash dashboards databases
datacenter datasets dbs dcs ddos dds deal debt decryption dedication defence defender defense delegation delinquency
deliverables deliveries dell deloitte delta dem demos denials dependability dependable dependencies deployments
deposits depots derwent desktop detector determination detox deviation deviations devices devin devoted devotion dia
diagnosis diagnostic diagnostics diagrams diameter dictionaries did dig diligence diligent din discipline
disciplined disclosures disconnects discord discovery discretion display displays disputes dissolution distribution
diversification divi dms dockers docs doctrine documentaries doe dog dojo dom doors dora dovetail downstream
downtime dpi draco drainage drawings drift drivers drives drm drones drugs druid dry dsl dslr dsm dsp dts duda
duties dvr dylan dynamics dynamo eagle ear eas ease ecommerce ecosystem ecosystems edge effect effectiveness
efficiency eggplant eiffel einstein elaboration elan elastic elasticity electric electrification electron
electronics elementary elevators elf eliminations elk elm eloquent ema email embargo ember emc emerald emerson
emissions emotion empathy empower ems emulation emulator enclosures enhancements entertainment entitlements
entrepreneurial envoy enzyme epic epics epl equipment equity eras erm erwin escalation escapade escher espresso ess
est estimates estimation estimations etfs ethereal ethical ethics euclid euler euphoria eureka ev evaluating
evaluation evaluators evangelism eventing events excellence exchange exchanges exe executable exotics expect explain
expo export express expression extraction extracts f5 fabric facetime facilities facility factor factory facts fai
fair faithfulness falcon fancy faqs fas fashion fat faust fax fca fcc fdi fear features federation feed feedback
felix fem fema ferret fetch fiddler filesystem filters financials finishes fintech fire firewalls firmware fitness
fix fixtures flares flash flavors flex flexibility flexible flipper flow flower flows flux focal foil foreman
forming forms formulas forth fortify fortress foundation foundations fra fraud freelancer freight freshness frida
fta fuels fulfillment fulfilment functions fundy funnels furniture future futures gaming gap gardener gartner gas
gateways gauge gauges gazebo gcc gdp gem gemini gemstone generators genesis geneva genie geo george glacier glass
glib glide glove glow glue glycerin gms gnu goal godiva goo google governance government gpu grammars graph graphene
graphics graphs grass grasshopper greeks greenfield greenhouse greenlight gremlin grid grounding grunt gsm gst gts
guarantees guidance gulp guru gutenberg gymnasium hack hal halide hallucination ham handlebars har hara harbor
harbour hardworking harmony harness hart harvest harvester haystack hazard healthcare helix helm herd hes hex
highways hilt hip historian hit hitachi hms holdings homebrew homer honeycomb honeywell hooks hop hope horizonte
hospitals hosting hotels hotspot hrt hudson hugo hume humor humour hybrid hydrogen iam ibm ica ice iceberg ich icon
idc ide idris ids iec ieds ieee ignition ikea illustrator images immigration imp impact impala import ims incidents
inclusivity incognito indeed independence independent indexes indices indigenous industrials inference inflammation
inflection influence influencing inform infotainment infra ingestion ingress initiative injectable inks inquisitive
insomnia inspection inspections inspiration installation instantly instructing instruction instruments integrity
internet interrupts interviews intrusion inventor inventory inverter inverters investigations investing investment
ionic ip ipa ipc ipl ipo ipos irb irc ire iris ironclad isis iso ist itc j jade jaeger jama janus jasmine jaws jean
jee jekyll jet jetpack jewellery joins joss joule jovial joy js judgement judgment juju jupiter k6 kaleidoscope kali
kant karate karel karma katana kawasaki kee kendo kendra keno kernel kernels kickstart kimball kindle kinetics kms
knockout kong korn kraken krypton labeling labels laboratories labs ladder lambda lamp lance laptop laptops lasso
latency launchpad lava law layout layouts lbs lcs leads leaflet leasing leda ledger ledgers leena legal lending
lenovo leonardo les less lever lex liaison liberty libraries libs lifts lighthouse lighting lightning lil limbo lime
limiter lin linc line lineage linear lingo linkage linker linoleum lint liquid liquidity lis lisa listening lithe
litmus llama lng loaders locking locust log logging logic logo logs loki longhorn loom lora lottie lovable loyalty
lpg lubricants lucid luigi lumen lustre luxury lynx mac macros mad maestro magic magma magnetic mako malware
manhattan mantis manuals map maple mapper mapping maps maritime marketplace marketplaces mary mas mastercard
mastermind mat matching material materiality materials matrimony matrix maturity maui max maxima maya maze mba mcc
mcu mean mediators medical medicine medline meet memory mend mentorship mep mercury mergers merging meritocracy mes
mesa messaging metal metals metering methodology methods metric metrics metropolis mfa microchip micrometers
microphone microscope microwave midas migration migrations mil military mimi mimic mining miranda mis miso mistral
mitsubishi mobility moby mocha mock mocking modal modality mode modeling modelling moderation modernisation
modernization modules mom monday monetization mongoose monitoring monolith moo morley mortgage mortgages mosaic
motion motivating motivation motors mouse mpc msa msi msp mts mule multicast mumps mural music mvp mvps nac nand
narratives nas nat nato nats natural navigation navigator nba nbc negotiations neko nemo neon neptune nest
networking networks newman news nexus nfc ngl nielsen nim nist node noise nokia nomad nominations normalization
norms notebooks notes notification notion nps nuclear nuts nvidia oak obfuscation objectivity oboe observation
occupancy octave octopus odi odin oems office offsets omni onyx oops opal operational operator opinionated
opportunities optimisation optimism optimization options opus orbit orc orca order orders ore organisation
organizations organized organizing oriel origin origination orwell oss ota otc outreach ovens pacemaker pacing
packaging packer packers packing pact paints pam pan panda panels pantomime papi parcel partitioning partnerships
passion patching patience pawn payment payments pbs pca pci pcs pdf pearl peering pennant penultimate perception
perf peripherals permissions permits permitting perseverance persistent personalization personas persuasion
pervasive peso pfc pharma pharmaceutical pharmacy phi phoenix piazza pic pickle pico pid pig pigment pika pike
piling pillow pilot pinpoint pip pipes piping pitching pizza planner planners plant plastics plating platinum plex
plugins pmi pms poc podcast pods poe poetry pointers poise poles policies pollutants polly polymer polymers pom
pooling portable portal ports positioning postings powerhouse ppl ppp pra pragmatic pragmatism precision prefect
presentation press presto prettier pricing primetime prince printer printers prioritizing prisma privacy proactive
probing procedures processing productivity professionalism profiles profiling profitability progress projection
projections promises promotion promotions prompting prompts proposals pros prosper protection protocols prototypes
provider provisions proxies psd publication publishing puff pulsar pulse pulses puma pumps purchase pure purpose
purview putty pv pyramid qr qt qualcomm qualification quant quantum quartz quasar queries query queue queues queuing
quorum quotes racket radars radio radiotherapy raft rags raid rail rails railway raking rally ram raman ran rancher
ranking rap rapid rapids ras rasa rates rating ratios rave ray razor rbi rca reach reactive reactor reactors
reanimated reasoning rebates recall recoil recommendation recommendations recording records recovery red reddit
reduce redundancy redwood reels reentry referrals refinery reflex registrations rego regression regulations relay
release releases relevance reliability reliable remediation remedy remix render renewables renewals replenishment
replication repo reporting repos reprocessing requests reserving resettlement resiliency resolve resourceful respect
respiratory responsibility responsiveness rest restructuring retail retention retraining retrieval retrofit retry
reuters revenue reviews revolution rex rf rfc rhinoceros rigor rim rimes rims ripple roads roberta robot robustness
roc rockwell roi rollout room rouge route routers routes routing row rpg rpm rsa rubber rubrics ruff ruler rules
rulings runtime runway sac sacs sae saf safe sail salsa salt sam sama samba sampling san sanctions sand sandbox
sanity sans santos sat sata satellite sats savings saws sca scaling scan scenarios schedules schema schemas
schematics scheme schneider science scope scorecards scoring scraping scratch screening scripts scsi sdk sdn
seaborne sealing seals search secrets securities sed sedona segment segmentation sel sem semiconductor sensitivity
sensor sentinel sentry separators sequences servers servicing ses sessions settlements shading sharing shark sheets
shell shiny shipments shipping shogun sia siemens sigma signage signal signaling signals sil simple simplicity
simulation simulators singleton singular sip sit sites sizing sla slam sling slip slo small smart smartphone smarty
sme snap snl snort snow snowball soa soar soc sockets sod soda sol solace solar solas solomon sonar sop sora sos
sound sow sows spa space span spanner spartacus specialization specifications spectra spectrum speed spi spice spill
spin spl spock sports spp spreadsheet spring sprint sps square squares squeak squirrel srs ssd sse ssl ssr sta
stability stacks staffing stamping standardization staphylococcus startup startups stash status steel stem sterling
stig storm storyboards storybook strand strands strangler strawberry streaming stride stripe structured structures
struts stryker sts studio studs stylus subscriptions substrate subtext sumo supernova supervision supervisors
suppliers sustainability swaps swarms swig switches switching symphony synapse synchronization synthesis synthetics
tabs tabular tact tags tal talent tanks tara targeting tas tasking tax taxes tcp tds tea teaming techniques telecom
telecommunications telecoms tem tempo temporal tempus tenable terminations testimonials tetra tex text textile
thanos therapeutics thorough thoroughness thread threading threats tidal tie timber timeout timeouts timers
timescale timing tip tire tls tms toad tokens tom top topaz trac trace traces tracing trackers trades trading
trafficking trams transaction transactions transformer transformers transmitters transparency transport
transportation travis treasury trees triggers tritium tubes tulip tungsten tuning turing tutor twig txt uav uavs
unicode unicorn unreal upgrade upgrades upi ups upsc upstream urgency urs users utilities uv valuations valves van
var varnish vas vat vault vb vector vela velvet verification versa versatility vertex video vids views vigilant vip
viper virtuoso visa vision visualization voice voiceover volatility walkways wallets warehouse warranty was wasp
watchdogs water waterfall webinars websites weighting wellness wes whatsapp whisper wholesale wifi wiki wikis wind
wireless wires wiz wolfram workers workflow workshops workspace workstations writing wyvern xr xray xv yang yara
yarn yolo yup zeno zephyr zones
""".split()
)

# O*NET acronyms that are English words ("Computer assisted software engineering CASE").
DROP |= set("ace arts basic calm call case com compare fast fit gs interact mix san sea".split())
DROP |= set("scheduler disciplining scalability".split())

# Common English words kept as skills, shown in lower case.
KEEP_LOWER = set(
    """
accountancy accounting advertising analytics animation ayurveda biology blockchain bookkeeping branding budgeting
chemistry copywriting costing counseling counselling cybersecurity debugging drafting finance forecasting forensics
forex geography geoscience interviewing joinery leadership litigation logistics mainframe marketing mathematics
mentoring negotiation nutrition payroll physics procurement prospecting prototyping psychology recruiting recruitment
robotics scripting sourcing statistics taxation teamwork tendering transcription translation troubleshooting
typography valuation wiring
""".split()
)

# Names matched only with exactly this spelling: tool names that are English words, or too short to be safe in
# lower case. Lower-case key -> the spelling.
EXACT = {
    w.lower(): w
    for w in """
    Ada ADP AI AJAX Airflow Amadeus Angular BERT BI BOM Blender Bootstrap C Cassandra Concur Confluence Copilot
    Cucumber Cypress D3 Dart Delphi Eclipse Elixir Excel Flask Flutter Gatling Go Groovy GMP HANA Hive Hyperion Infor
    JAX Jest Julia Juniper Kronos LaTeX Lean Lisp Looker Maven NEC NX Oracle Outlook Pascal Playwright POS Postman
    Primavera Prometheus Puppet Puppeteer QA QC R RAG React Relativity Rhino ROS Ruby Rust S3 SAP SAS Sabre Sass
    Selenium Sketch Slack Snowflake SOX SPC Spark Spyder Subversion Swagger Swift Tally Tosca Unity UX Vagrant VR
    Vue Windows Workday Zoom 5G 5S 8D
    """.split()
}

# Canonical display names for lower-case strings, matched ignoring case.
CASING = {
    w.lower(): w
    for w in """
    .NET ABAP Android API APIs ASP.NET AutoCAD AWS Azure C# C++ CAD CAPA CCTV CNC COBOL CPA CPR CRM CSS CSS3 DevOps
    DNS Django Docker Dropbox EDI English Facebook FIFO FTP GAAP GCP Git GitHub GitLab GIS GPS GraphQL Hadoop Haskell
    HIPAA HPLC HTML HTML5 HTTP HTTPS IFRS Instagram IoT iOS Java JavaScript Jenkins jQuery JSON Kafka Kubernetes LEED
    Linux LinkedIn macOS Magento Mandarin MATLAB MongoDB MySQL NoSQL Node.js NumPy OOP OpenGL OSHA pandas PayPal
    Perl PERT PHP PostgreSQL PowerPoint PowerShell PPC Python PyTorch Redux RESTful RFID SaaS Salesforce Scala
    scikit-learn Scrum SEO SharePoint SIEM Skype SOAP SPSS SQL SSH Tableau TensorFlow Terraform TypeScript Ubuntu
    UML UNIX VMware VoIP VPN WordPress XML YouTube
    Adobe Amazon Apache Apple Atlassian Autodesk Cisco Google IBM Intuit Microsoft MS
    ITIL CCNA CCNP CompTIA HACCP HVAC OFAC PMP SCADA SCCM SDLC SSIS SSRS TQM
    """.split()
} | {
    "spring boot": "Spring Boot",
    "rest api": "REST API",
    "rest apis": "REST APIs",
    "power bi": "Power BI",
    "ms office": "MS Office",
    "ms excel": "MS Excel",
    "ms word": "MS Word",
    "google cloud": "Google Cloud",
    "google cloud platform": "Google Cloud Platform",
    "amazon web services": "Amazon Web Services",
    "machine learning": "machine learning",
    "react native": "React Native",
    "ruby on rails": "Ruby on Rails",
    "visual studio": "Visual Studio",
    "agile": "Agile",
    "six sigma": "Six Sigma",
    "red hat": "Red Hat",
    "jd edwards": "JD Edwards",
    "final cut": "Final Cut",
    "allen bradley": "Allen-Bradley",
    "lean six sigma": "Lean Six Sigma",
}

# O*NET names shown under another canonical name (the vendor is not how people name the skill).
PREFERRED = {
    "Oracle Java": "Java",
    "The MathWorks MATLAB": "MATLAB",
    "The MathWorks Simulink": "Simulink",
    "Amazon Web Services AWS software": "AWS",
    "Apple macOS": "macOS",
    "Apple iOS": "iOS",
    "Google Android": "Android",
    "Microsoft .NET Framework": ".NET",
    "Microsoft ASP.NET": "ASP.NET",
    "Microsoft PowerShell": "PowerShell",
    "Microsoft Azure software": "Azure",
    "Microsoft Visual Basic for Applications VBA": "VBA",
    "Atlassian JIRA": "Jira",
    "IBM Terraform": "Terraform",
    "Jenkins CI": "Jenkins",
}

# Acronyms of O*NET descriptions that are better known as another product's name: the acronym stays that
# product's ("Real estate application contract transmission REACT software" is not React).
OTHER_PRODUCT_ACRONYMS = {"react"}

# Extra aliases for canonical names (any case unless in EXACT).
EXTRA_ALIASES = {
    "Go": ["golang"],
    "Microsoft Windows": ["Windows", "ms windows"],
    "Microsoft Office": ["ms office", "office suite"],
    "Node.js": ["nodejs", "node js"],
    "Amazon Web Services AWS software": ["amazon web services"],
    "Kubernetes": ["k8s"],
    "Python": ["python programming"],
    "R": ["r programming", "r language"],
    "JavaScript": ["javascript es6", "es6"],
}

# Skills that neither list has (their spelling is in CASING).
CURATED = """
Arabic Cantonese Chinese French German Hindi Italian Japanese Korean Portuguese Russian Spanish
""".split()
CASING |= {name.lower(): name for name in CURATED}

# Personality traits and attitudes written as phrases.
TRAIT_PATTERNS = re.compile(
    r"\b(attitude|mindset|minded|oriented|driven|directed|willingness|eager(ness)?|passion(ate)?|hard[ -]?working"
    r"|team player|self[ -]?(starter|motivated|motivation)|go[ -]getter|can[ -]do|work ethic|enthusias(m|tic)"
    r"|learner|communicator|sense of urgency|ability to|meeting deadlines|high standards|quick study)\b"
)

# Last words of phrases that name a topic or a thing at work, not a skill ("customer needs", "market trends").
GENERIC_HEADS = set(
    """
    businesses cases complaints conditions deliverables documents expectations expertise functions goals growth
    initiatives institutions interactions issues needs operations opportunities orders partner partners performance
    policies processes programs projects reports requirements resources results reviews savings services sessions
    shows solutions standards technologies trends
    """.split()
)

# Other phrases too vague to be skills.
DROP_PHRASES = {
    " ".join(phrase.split())
    for phrase in """
    products and services|follow-up|follow up|front desk|continuing education|health insurance|design and construction
    |product quality|management information|design and development|health care|cross-functional teams
    |customer loyalty|store management|english language
    """.split("|")
}

# Last words of job titles ("business analyst", "executive assistant"): a title is not a skill.
TITLE_HEADS = set(
    """
    accountant administrator analyst assistant associate cashier clerk consultant coordinator designer developer
    director engineer executive intern manager officer receptionist recruiter representative scientist specialist
    supervisor technician
    """.split()
)

# Words that keep a phrase with a generic last word ("web services", "software engineer" is still a title).
TECHNICAL_WORDS = set("web cloud network data api database security".split())

# Words that stay in lower case inside a canonical name.
SMALL_WORDS = set("a an and as at by for from in into of on or per the to via vs with".split())

VERSION = re.compile(r"^(?P<base>.*?[a-z+#])(?P<sep> ?)v?(?P<version>\d{1,2}(\.\d{1,2})*(\.x)?\+?)$")
PARENTHETICAL = re.compile(r"^(?P<phrase>[^()]+?) \((?P<inner>[^()]+)\)$")
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]*[A-Z0-9]$")


# Bases whose numbered forms are other things ("iso 9001", "web3", "windows 10").
NOT_VERSIONS = {"iso", "web", "windows", "office", "sage", "as", "es"}


def initials(phrase: str) -> str:
    """First letters of the words of a phrase, hyphenated parts counted as words."""
    return "".join(w[0] for w in re.split(r"[ -]+", phrase) if w and w[0].isalnum())


def ambiguous(phrases: set[str]) -> bool:
    """Whether the phrases that one acronym stands for mean different things: their first words differ
    ("battery management system", "building management system"), unlike spelling variants ("structure(d) query
    language", "computer-aided design")."""
    starts = {re.split(r"[ -]+", p)[0][:4] for p in phrases}
    return len(starts) > 1


def normalize(text: str) -> str:
    """NFKC, ASCII quotes and hyphens, collapsed white space."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2010: "-", 0x2011: "-", 0x2013: "-"})
    return " ".join(text.split())


def key_of(text: str) -> str:
    return normalize(text).lower()


class Groups:
    """Union-find over lower-case forms; each group becomes one skill."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, key: str) -> None:
        self.parent.setdefault(key, key)

    def find(self, key: str) -> str:
        self.add(key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def read_skill_extractor(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return sorted({key_of(s) for s in json.load(f) if key_of(s)})


def read_onet(path: Path) -> Counter:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return Counter(normalize(row["Example"]) for row in rows if row["Example"].strip())


def junk_reason(key: str, entries: set[str]) -> str | None:
    """Why a skill-extractor string is not a skill, or None."""
    if key in EXACT or key in CASING or key in KEEP_LOWER:
        return None
    if key in DROP or key in DROP_PHRASES:
        return "common word"
    if not re.search(r"[a-z]", key):
        return "no letter"
    if len(key) < 2:
        return "one character"
    if len(key.split()) > 5:
        return "too long"
    if TRAIT_PATTERNS.search(key):
        return "trait"
    words = key.split()
    if len(words) > 1 and words[-1] in GENERIC_HEADS | TITLE_HEADS and not any(technical(w) for w in words):
        return "generic phrase" if words[-1] in GENERIC_HEADS else "job title"
    if "/" in key and " " not in key:
        parts = key.split("/")
        if all(len(p) >= 3 and p in entries and p not in DROP for p in parts):
            return "joins skills"
    return None


def technical(word: str) -> bool:
    """Whether a word marks a phrase as technical ("web services" is generic, "aws services" is not)."""
    return word in CASING or word in EXACT or word in TECHNICAL_WORDS


def onet_descriptor(name: str) -> tuple[str, str | None] | None:
    """For a generic O*NET description ("Enterprise resource planning ERP software"): (phrase, acronym or None)."""
    words = name.split()
    if words and words[-1] == "software":
        words = words[:-1]
    acronym = words[-1] if len(words) > 1 and ACRONYM.match(words[-1]) else None
    body = words[:-1] if acronym else words
    sentence_case = body and body[0][:1].isupper() and body[0][1:] == body[0][1:].lower()
    if len(body) < 2 or not sentence_case or any(w != w.lower() for w in body[1:]):
        return None
    return " ".join(body).lower(), acronym


def trailing_acronym(name: str) -> tuple[str, str] | None:
    """("Amazon Elastic Container Service", "ECS") when the last word is the initials of the words before it."""
    words = name.split()
    if len(words) < 3 or not ACRONYM.match(words[-1]) or not words[-1].isalpha():
        return None
    acronym = words[-1]
    initials = "".join(w[0] for w in words[-1 - len(acronym) : -1]).upper()
    return (" ".join(words[:-1]), acronym) if initials == acronym else None


def product_like(words: list[str]) -> bool:
    """Whether the words left after a vendor name a product ("Excel", "SQL Server", "Visual Studio") rather than a
    field that the vendor's product serves ("Logistics", "General Ledger", "HRIS")."""
    key = " ".join(words).lower()
    if key in EXACT or key in CASING:
        return True
    if len(words) == 1:
        return key not in KEEP_LOWER and not ACRONYM.match(words[0])
    return any(w[1:] != w[1:].lower() for w in words)


def acronym_like(word: str) -> bool:
    """Short words written in capitals: "crm", "sccm", "b2b", "r&d", but not "java"."""
    if not word or not word.replace("&", "").isalnum() or len(word) > 5:
        return False
    if "&" in word or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word) and len(word) <= 4):
        return True
    return word.isalpha() and (len(word) <= 3 or not re.search("[aeiouy]", word))


def display(key: str, token_case: dict[str, str]) -> str:
    """A canonical spelling for a lower-case string."""
    if key in CASING:
        return CASING[key]
    if key in EXACT:
        return EXACT[key]
    words = key.split(" ")
    return " ".join(case_word(word, token_case, len(words) > 1) for word in words)


def case_word(word: str, token_case: dict[str, str], in_phrase: bool) -> str:
    """The spelling of one word of a canonical name; inside a phrase only names and clear acronyms are cased."""
    if "/" in word:
        return "/".join(case_word(part, token_case, in_phrase) for part in word.split("/"))
    cased = CASING.get(word) or token_case.get(word) or (EXACT.get(word) if len(word) > 2 else None)
    if cased:
        return cased
    if word in SMALL_WORDS or word in KEEP_LOWER:
        return word

    def clear(w: str) -> bool:
        return acronym_like(w) and (not in_phrase or not w.isalpha() or not re.search("[aeiouy]", w))

    if clear(word):
        return word.upper()
    if word.endswith("s") and clear(word[:-1]):
        return word[:-1].upper() + "s"
    if not in_phrase and word.isalpha():
        return word[:1].upper() + word[1:]
    return word


def resolve(rows: list[tuple[str, list[str], list[str], list[str]]]) -> dict[str, tuple[str, set, set, set]]:
    """Makes every form belong to one skill, as jobfit-text requires: groups whose names differ only in case are
    merged; a form that several skills claim goes to the skill it names, or else to none."""
    merged: dict[str, tuple[str, set, set, set]] = {}  # case-folded name (or exact name) -> row
    for name, any_case, exact, source in sorted(rows, key=lambda r: ("onet" not in r[3], r[0])):
        slot = name if name in exact else name.lower()
        if slot in merged:
            _, a, e, s = merged[slot]
            a.update(any_case)
            e.update(exact)
            s.update(source)
            if name.lower() != merged[slot][0].lower():
                a.add(name.lower())
        else:
            merged[slot] = (name, set(any_case), set(exact), set(source))
    owners: dict[str, set[str]] = defaultdict(set)  # any-case form -> slots
    for slot, (name, any_case, exact, _) in merged.items():
        for form in any_case | ({name.lower()} if name not in exact else set()):
            owners[form].add(slot)
    for form, slots in owners.items():
        if len(slots) > 1:
            keep = form if form in slots else None
            for slot in slots - {keep}:
                merged[slot][1].discard(form)
    exact_named = {slot for slot, (name, _, exact, _) in merged.items() if name in exact}
    exact_owners: dict[str, set[str]] = defaultdict(set)
    for slot, (_, _, exact, _) in merged.items():
        for form in exact:
            exact_owners[form].add(slot)
    for form, slots in exact_owners.items():
        clash = owners.get(form.lower(), set()) - slots
        for slot in slots:
            if clash or (len(slots) > 1 and merged[slot][0] != form):
                merged[slot][2].discard(form)
    # A case-sensitive name that lost its spelling to another skill's any-case form is left out.
    return {row[0]: row for slot, row in merged.items() if slot not in exact_named or row[0] in row[2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared", help="the shared folder (default: ../shared)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "crates/text/data", help="output folder")
    args = parser.parse_args()
    data = args.shared / "data"
    gazetteer_dir = data / "skills-gazetteer"
    onet_path = data / "onet-29.3" / "Technology Skills.txt"
    for path in (gazetteer_dir / "skills.json", gazetteer_dir / "LICENSE", onet_path):
        if not path.is_file():
            print(f"missing {path}: pass --shared DIR (the folder holding data/)", file=sys.stderr)
            return 1

    raw = read_skill_extractor(gazetteer_dir / "skills.json")
    onet = read_onet(onet_path)
    raw_set = set(raw)

    # Step 2: drop junk; the rest are the skill-extractor entries.
    entries = {k for k in raw if junk_reason(k, raw_set) is None}
    entries = {k for k in entries if junk_reason(k, entries) is None}

    groups = Groups()
    sources: dict[str, set[str]] = defaultdict(set)  # key -> sources
    exact_keys: set[str] = set()  # keys matched only as EXACT spells them (or upper case for 2 letters)
    onet_names: dict[str, str] = {}  # key -> O*NET spelling
    onet_count: dict[str, int] = {}  # key -> O*NET rows naming it
    token_case: dict[str, set[str]] = defaultdict(set)  # O*NET word -> names using it

    def add(key: str, source: str) -> None:
        groups.add(key)
        sources[key].add(source)

    # Step 4: variants of skill-extractor entries.
    acronym_phrases: dict[str, set[str]] = defaultdict(set)  # acronym -> phrases it abbreviates
    for key in sorted(entries):
        add(key, "skills-gazetteer")
        m = PARENTHETICAL.match(key)
        if m:
            phrase, inner = m["phrase"], m["inner"]
            if junk_reason(phrase, entries) is None and (" " in phrase or phrase in entries):
                add(phrase, "skills-gazetteer")
                groups.union(key, phrase)
                if initials(phrase) == re.sub(r"[^a-z]", "", inner):
                    acronym_phrases[inner].add(phrase)
            continue
        m = VERSION.match(key)
        if m and m["base"] in entries and (m["sep"] or len(m["base"]) >= 3) and m["base"] not in NOT_VERSIONS:
            groups.union(key, m["base"])
        if key.startswith("ms ") and "microsoft " + key[3:] in entries:
            groups.union(key, "microsoft " + key[3:])
        if key.endswith(" skills") and key[: -len(" skills")] in entries:
            groups.union(key, key[: -len(" skills")])

    # Step 5: O*NET examples.
    claims: dict[str, set[str]] = defaultdict(set)  # alias key -> O*NET names claiming it
    descriptors: dict[str, str] = {}  # acronym key -> O*NET name of a generic description
    descriptor_phrases: dict[str, set[str]] = defaultdict(set)  # acronym key -> phrases of O*NET descriptions
    for name in sorted(onet):
        descriptor = onet_descriptor(name)
        if descriptor:
            phrase, acronym = descriptor
            if acronym is None:
                continue
            akey = acronym.lower()
            descriptor_phrases[akey].add(phrase)
            descriptors[akey] = name
            continue
        product = name[: -len(" software")] if name.endswith(" software") else name
        key = key_of(product)
        if product != name and " " not in product and product[1:] == product[1:].lower():
            # "Payroll software" is generic, "Ansible software" is a product: keep names the skill list knows.
            if key not in entries or key in KEEP_LOWER:
                continue
        if key in DROP and key not in EXACT and key not in CASING:
            continue
        if len(key) < 2 and key not in EXACT:
            continue
        onet_names[key] = PREFERRED.get(name, product)
        onet_count[key] = onet_count.get(key, 0) + onet[name]
        add(key, "onet")
        for word in product.split():
            token_case[word].add(name)
        words = product.split()
        split = trailing_acronym(product)
        if split:
            claims[key_of(split[0])].add(key)
        for k in range(1, min(3, len(words))):
            rest = key_of(" ".join(words[k:]))
            if (rest in entries or rest in EXACT) and len(rest) > 1 and product_like(words[k:]):
                if k == 1 and words[0] == "The":
                    continue
                claims[rest].add(key)
                break
    for alias, names in sorted(claims.items()):
        if alias in descriptors or len(names) != 1:
            continue
        (name_key,) = names
        add(alias, "onet")
        groups.union(alias, name_key)
    # An acronym is merged with the phrase it abbreviates when it abbreviates only one.
    for acronym in sorted(set(acronym_phrases) | set(descriptor_phrases)):
        onet_phrases = descriptor_phrases.get(acronym, set())
        phrases = acronym_phrases.get(acronym, set()) | onet_phrases
        for phrase in onet_phrases:
            add(phrase, "onet")
        if onet_phrases and not ambiguous(onet_phrases):
            phrases = {p for p in phrases if not ambiguous(onet_phrases | {p})}
        if ambiguous(phrases):
            continue
        if onet_phrases:
            if acronym in DROP or acronym in OTHER_PRODUCT_ACRONYMS:
                continue
            add(acronym, "onet")
            onet_names[acronym] = acronym.upper()
            if acronym not in CASING:
                exact_keys.add(acronym)
            onet_count[acronym] = onet[descriptors[acronym]]
        elif acronym not in entries:
            continue
        for phrase in phrases:
            groups.union(acronym, phrase)

    # Curated additions.
    for name in CURATED:
        add(name.lower(), "curated")
    for name, aliases in EXTRA_ALIASES.items():
        target = key_of(PREFERRED.get(name, name))
        if target not in groups.parent:
            target = key_of(name)
        if target not in groups.parent:
            continue
        for alias in aliases:
            add(alias.lower(), "curated")
            groups.union(alias.lower(), target)
            if alias in EXACT.values():
                exact_keys.add(alias.lower())

    # Token casing learned from O*NET: words in mixed or upper case ("MySQL", "SQL") used by two names or more and
    # never written in title case ("TEAM" next to "Team" is a word, not a name).
    best_case: dict[str, str] = {}
    title = {w for w in token_case if w[:1].isupper() and w[1:] == w[1:].lower()}
    for word, names in sorted(token_case.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lower = word.lower()
        if word[1:] == lower[1:] or len(names) < 2 or lower.title() in title or lower in DROP or lower in KEEP_LOWER:
            continue
        best_case.setdefault(lower, word)

    # Which keys are matched case-sensitively.
    for key in groups.parent:
        if key in CASING or key in KEEP_LOWER:
            continue
        if key in EXACT:
            exact_keys.add(key)
        elif len(key) == 2 and key.isalnum():
            exact_keys.add(key)

    members: dict[str, list[str]] = defaultdict(list)
    for key in sorted(groups.parent):
        members[groups.find(key)].append(key)

    rows = []
    for keys in members.values():
        named = [k for k in keys if k in onet_names]
        preferred = sorted(onet_names[k] for k in named if onet_names[k] in PREFERRED.values())
        curated = sorted((CASING[k] for k in keys if k in CASING), key=lambda n: (len(n), n))
        if preferred:
            name = preferred[0]
        elif named:
            # The O*NET name used by most occupations.
            name = onet_names[max(named, key=lambda k: (onet_count.get(k, 0), -len(k), k))]
        elif curated:
            name = curated[0]
        else:
            base = sorted(keys, key=lambda k: (len(k), k))[0]
            name = display(base, best_case)
            if base in exact_keys and base not in EXACT:
                name = base.upper()
        name_key = name.lower()
        any_case, exact = set(), set()
        for key in keys:
            if key in exact_keys:
                exact.add(EXACT.get(key) or (key.upper() if key not in onet_names else onet_names[key]))
            elif key != name_key:
                any_case.add(key)
        if name_key in exact_keys:
            exact.add(name)
        any_case.discard(name_key)
        source = sorted({s for k in keys for s in sources.get(k, ())})
        rows.append((name, sorted(any_case), sorted(exact), source))

    merged = resolve(rows)

    args.out.mkdir(parents=True, exist_ok=True)
    out_path = args.out / "skills.tsv"
    with out_path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("# jobfit default skill gazetteer, built by scripts/build-gazetteer.py; see NOTICE.md for sources.\n")
        f.write("# name\taliases (any case)\tcase-sensitive forms\tsources\n")
        for name in sorted(merged, key=lambda n: (n.lower(), n)):
            _, any_case, exact, source = merged[name]
            f.write("\t".join([name, "|".join(sorted(any_case)), "|".join(sorted(exact)), "|".join(sorted(source))]))
            f.write("\n")
    shutil.copyfile(gazetteer_dir / "LICENSE", args.out / "LICENSE-skills-gazetteer")
    (args.out / "NOTICE.md").write_text(NOTICE, encoding="utf-8")
    print(f"wrote {len(merged)} skills to {out_path}")
    return 0


NOTICE = f"""# Skill gazetteer: sources and attribution

`skills.tsv` is the default skill gazetteer of `jobfit-text`. It is generated by `scripts/build-gazetteer.py`
from the two sources below (the script documents every cleaning step); do not edit it by hand.

## skill-extractor skill list (MIT)

The lower-cased skill strings of `skill_extractor/data/skills.json` in the PyPI package `skill-extractor` 0.2.0
(<https://github.com/dreamjobs-tech/skill-extractor>), Copyright (c) 2026 Qarera, used under the MIT License,
whose text is in `LICENSE-skills-gazetteer`. Entries from it carry the source `skills-gazetteer`.

## O*NET 29.3 Technology Skills (CC BY 4.0)

{ONET_ATTRIBUTION}

The tool and software names of the "Example" column of `Technology Skills.txt` (O*NET 29.3, May 2025,
<https://www.onetcenter.org/database.html>, license <https://creativecommons.org/licenses/by/4.0/>) were
changed: generic descriptions were dropped or reduced to their acronym, the word "software" was removed from
product names, and names were merged with matching skill-extractor strings. Entries from it carry the source
`onet`. O*NET(R) is a trademark of USDOL/ETA.

## Curated

Entries with the source `curated` (a few languages and aliases) were added by the jobfit developers and are
under the license of this repository.
"""

if __name__ == "__main__":
    sys.exit(main())
