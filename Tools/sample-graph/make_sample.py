#!/usr/bin/env python3
"""Write Boardwalk's small sample graph (Graphs/sample) from the content below.

    python3 Tools/sample-graph/make_sample.py Graphs/sample

Everything comes from the hand-written pin and board lists in this file and a
fixed-seed random generator, so the output is the same byte for byte on every
run (Python 3.11, standard library only). All titles are original writing of
the Boardwalk project; no external data set is used.

How the edges are made: every board has a language, a size class and a "mix"
of pools it draws from (a sub-theme such as recipes/bread, a whole topic such
as recipes, or "*" for everything). Each pin has a popularity weight
(hand-marked favourites are much heavier). A board draws its pins from its
pools by weighted sampling without replacement, taking at most part of any
one sub-theme or topic (the rest of a sub-theme share spills over to a related
sub-theme). English boards draw English pins; French, Spanish and German boards
draw mostly pins in their language plus some English ones. Then a
rich-get-richer round of re-saves adds saves of already popular pins to
fitting boards, and any pin still on no board is saved to one board of its own
sub-theme. The result is topical (a sourdough pin sits mostly on bread and
baking boards), language-correlated and heavy-tailed on both sides.
"""

import math
import os
import random
import sys
import textwrap

SEED = 20250611

# ---------------------------------------------------------------------------
# Pins: topic -> [(sub-theme, block)]. One title per line. A line may start
# with "*" (a favourite) or "**" (a very popular pin), then optionally with a
# language prefix "fr:", "es:" or "de:"; otherwise the title is English.
# ---------------------------------------------------------------------------

PINS = {
    "recipes": [
        ("bread", """
** Sourdough starter from scratch
* No-knead Dutch oven bread
Sourdough discard crackers with rosemary and sea salt
* Overnight focaccia with cherry tomatoes and olives
Honey oat sandwich loaf
How to shape a batard, step by step
Soft milk bread rolls with the tangzhong method
Whole wheat sourdough at 75% hydration
Cinnamon swirl brioche loaf
New York bagels boiled in barley malt water
Rye and caraway deli bread
Reading your sourdough crumb: what went wrong
Griddle English muffins
Seeded multigrain loaf for beginners
Sourdough banana bread with discard
Scoring patterns for sourdough loaves
Pizza dough with a long cold ferment
Hot cross buns with orange zest
fr: Pain de campagne au levain naturel
fr: Croissants maison en trois jours
de: Roggenbrot mit Sauerteig: das Grundrezept
de: Laugenbrezeln wie vom Bäcker
es: Pan de masa madre paso a paso
"""),
        ("desserts", """
* Brown butter chocolate chip cookies
Lemon olive oil cake
* Basque burnt cheesecake
Three-ingredient peanut butter cookies
Apple crumble with a crunchy oat topping
Rhubarb and strawberry galette
Molten chocolate lava cakes for two
Carrot cake with cream cheese frosting
Blueberry lemon bars
No-bake tiramisu cups
Salted caramel sauce in ten minutes
Pavlova with passion fruit and cream
Fudgy one-bowl brownies
Victoria sponge for afternoon tea
Sticky toffee pudding
Mango sticky rice
fr: Tarte tatin comme chez grand-mère
fr: Crème brûlée à la vanille
fr: Madeleines au beurre noisette
de: Apfelstrudel mit selbstgezogenem Teig
de: Käsekuchen ohne Boden
es: Flan de huevo casero
es: Churros con chocolate caliente
"""),
        ("vegan", """
* Creamy vegan mac and cheese with cashews
Crispy baked tofu bowls with peanut sauce
* Red lentil and coconut dahl
Chickpea salad sandwich with dill
One-bowl vegan banana bread
Black bean and sweet potato tacos
Mushroom and walnut bolognese
Smoky tempeh bacon strips
Aquafaba chocolate mousse
Vegan Caesar salad with crispy capers
Jackfruit pulled barbecue sliders
Plant-based meal prep for the whole week
Overnight oats five ways
Cauliflower shawarma with tahini
Peanut noodle salad with crunchy vegetables
Three-bean vegan chili
es: Buddha bowl de quinoa y garbanzos
de: Veganes Linsencurry mit Spinat
fr: Houmous de betterave et sa focaccia
"""),
        ("weeknight", """
** 15-minute garlic butter shrimp
* One-pan lemon chicken and potatoes
Sheet-pan gnocchi with sausage and peppers
Korean beef rice bowls
Chicken fajitas on one tray
Egg fried rice with frozen peas
Thai basil chicken (pad kra pao)
Air fryer teriyaki salmon
Beef and broccoli stir fry
Turkey taco lettuce wraps
Miso butter noodles
Chicken shawarma wraps at home
Loaded baked potato night
Pantry chickpea curry in 20 minutes
Honey garlic pork chops
Creamy tuscan salmon in one skillet
Lemony orzo with peas and feta
Sticky sesame chicken
Halloumi and chickpea traybake
fr: Quiche lorraine facile
fr: Croque-monsieur au four
es: Tortilla de patatas jugosa
es: Arroz con pollo en una sola olla
"""),
        ("italian", """
* Cacio e pepe that actually emulsifies
Fresh egg pasta without a machine
Classic lasagne alla bolognese
Porcini mushroom risotto
Neapolitan-style pizza in a home oven
Pesto alla genovese made in a mortar
Chicken piccata with capers
Baked aubergine parmigiana
Spaghetti alle vongole
Ricotta gnocchi in 30 minutes
Osso buco with gremolata
Panzanella with late-summer tomatoes
Arancini from leftover risotto
Pasta e fagioli like a Roman trattoria
Saltimbocca alla romana
Spaghetti aglio e olio at midnight
"""),
        ("soups", """
* Roasted tomato soup with grilled cheese croutons
French onion soup with gruyère toasts
Chicken noodle soup from a whole chicken
Butternut squash soup with crispy sage
Tuscan white bean and kale soup
Ramen broth from scratch
Split pea soup with ham hock
Thai coconut pumpkin soup
Hot and sour soup
Leek and potato soup
fr: Velouté de potiron aux châtaignes
fr: Soupe au pistou provençale
es: Gazpacho andaluz tradicional
es: Salmorejo cordobés
de: Kartoffelsuppe nach Omas Art
"""),
        ("campfood", """
* One-pot chili on a camp stove
Campfire foil-packet potatoes
Dutch oven peach cobbler over coals
Make-ahead breakfast burritos for camping
Trail mix three ways
Skillet cornbread on the campfire
Dehydrated backpacking meals
Grilled halloumi and vegetable skewers
Cold-soak overnight oats for the trail
Bannock bread on a stick
"""),
    ],
    "travel": [
        ("lisbon", """
** Weekend in Lisbon: Alfama walking route
* Best pastéis de nata in Lisbon, ranked
Day trip from Lisbon to Sintra
Porto in 48 hours
Tram 28: tips and quieter alternatives
Benagil sea caves by kayak
Where to stay in Lisbon: a neighbourhood guide
LX Factory and Belém in one afternoon
Douro Valley wine tasting by train
Lisbon viewpoints for sunset
Cascais and Estoril by suburban train
Fado in Mouraria: where to listen
Évora and the Alentejo by car
fr: Lisbonne en trois jours : notre itinéraire
es: Oporto con poco presupuesto
"""),
        ("japan", """
** Two weeks in Japan: a first-timer's itinerary
* Kyoto temples before the crowds
Tokyo neighbourhoods beyond Shibuya
JR Pass: is it still worth it?
Staying in a ryokan: etiquette guide
Walking the Nakasendo trail
Osaka street food crawl
Hakone day trip with the Free Pass
Cherry blossom forecast and best spots
Naoshima art island guide
Kanazawa in a day
Konbini snacks worth trying
Depachika food halls in Tokyo
Hiroshima and Miyajima in a day
Nara deer park and Todai-ji
Takayama old town in autumn
de: Japan-Rundreise in 14 Tagen
"""),
        ("europe", """
* Three days in Rome on foot
Hidden courtyards of the Marais
Copenhagen on a budget
Amsterdam beyond the canal belt
Vienna coffee house guide
Prague old town walking tour
Edinburgh in winter
Christmas markets worth the trip
Slow travel by train through Italy
Seville in spring
Budapest thermal baths guide
Cinque Terre without the crowds
Bruges in a day
Ljubljana and Lake Bled
fr: Week-end à Lyon : bouchons et traboules
fr: Paris hors des sentiers battus
fr: Road trip en Provence
es: Barcelona en tres días: qué ver
es: Ruta por los pueblos blancos de Andalucía
de: Berlin-Kreuzberg zu Fuß entdecken
de: Ein Wochenende in Wien
"""),
        ("outdoors", """
* Angels Landing permit guide
Yosemite first-timer tips
Utah Mighty 5 road trip
Going-to-the-Sun Road in Glacier
* Tour du Mont Blanc hut to hut
Camping checklist for beginners
Patagonia W trek in five days
Dolomites Alta Via 1 planning
Iceland Ring Road in ten days
Scottish Highlands: the NC500 route
Wild camping etiquette
Best day hikes in the Lake District
Bear canisters and food storage rules
Hiking the Narrows in Zion
Norwegian fjords by ferry
de: Hüttenwanderung in den Alpen für Einsteiger
de: Die schönsten Wanderwege im Schwarzwald
es: Torres del Paine: guía del circuito W
"""),
        ("packing", """
** Carry-on only packing list for two weeks
How to find cheap flights (what actually works)
Packing cubes: how I organise them
Long-haul flight comfort kit
Travel insurance explained simply
Solo travel safety tips for women
Points and miles for beginners
A jet lag plan that works
Travel journal ideas
Road trip snack box
Travelling with a toddler: packing list
eSIMs for travel, explained
Laundry on the road: sink washing tips
fr: Valise cabine : la liste ultime
es: Cómo viajar barato por Europa
"""),
    ],
    "home": [
        ("smallspace", """
** Studio apartment layout ideas
Tiny entryway storage hacks
Under-bed storage that doesn't look messy
* Pantry organisation with clear jars
Closet makeover on a budget
Renter-friendly kitchen upgrades
Fold-down desk for a small bedroom
Decluttering room by room: a 30-day plan
Shelving over the toilet in a small bathroom
Hidden storage in a narrow hallway
Loft bed with a reading corner underneath
Small laundry nook ideas
Narrow kitchen storage solutions
Adhesive hook ideas for renters
fr: Aménager un petit studio parisien
de: Kleine Wohnung clever einrichten
"""),
        ("interiors", """
** Mid-century modern living room on a budget
Styling a walnut sideboard
Japandi bedroom inspiration
Warm minimalist colour palette
Terracotta and sage living room
Gallery wall layout templates
Choosing the right rug size
Layered lighting: lamps instead of the ceiling light
Vintage Danish chairs: what to look for
Moody dark green study
Mixing wood tones without clashing
Picking a paint colour that isn't grey
How high to hang curtains
Bookshelf styling without clutter
Statement lighting over a dining table
fr: Déco bohème pour le salon
es: Salón nórdico con toques de madera
"""),
        ("kitchenbath", """
* Small kitchen remodel before and after
Open shelving: the honest pros and cons
Kitchen worktops: wood vs quartz
Zellige tile backsplash
Bathroom refresh for under $500
Spa-like bathroom with plants
Swapping cabinet hardware for brass
Butcher block kitchen island
Painted kitchen cabinets that last
Walk-in shower with a glass screen
Laundry room makeover
Freestanding bath in a small bathroom
de: Badezimmer renovieren mit kleinem Budget
"""),
        ("cozy", """
* Hygge living room for winter
Reading nook under the stairs
Cosy bedroom with linen bedding
Candlelit dining table for autumn
Window seat with hidden storage
Autumn mantel styling
Christmas table in green and gold
Dried flower arrangements that last
Layering throws and cushions
Scented candles for autumn evenings
Sheepskin and wool textures for winter
es: Decoración navideña natural
de: Gemütliches Wohnzimmer im Herbst
"""),
    ],
    "fashion": [
        ("capsule", """
** 30-piece capsule wardrobe for autumn
Five ways to style a white button-down
Linen outfits for hot weather
Workwear capsule: 10 pieces, 20 outfits
Minimalist winter layering
Trench coat outfits for spring
Finding your colours
How many shoes do you really need?
Wedding guest outfits you'll wear again
A capsule wardrobe built around one colour
Knitwear for easy layering
A year-long shopping ban: what I learned
fr: Garde-robe capsule printemps-été
fr: Le style parisien sans effort
es: Armario cápsula para el otoño
"""),
        ("vintage", """
* Thrifting tips: how to spot quality fabric
Vintage Levi's sizing by decade
Reworking a thrifted blazer
1970s suede jacket outfits
Caring for wool and cashmere
Selling clothes on resale apps
Sustainable brands under $100
Dyeing faded black jeans
Thrift haul: what I kept and why
Removing yellow stains from vintage linen
Re-waxing a vintage waxed jacket
es: Ropa de segunda mano con estilo
"""),
        ("mens", """
* Men's smart casual guide
Chelsea vs chukka boots
Suit fit checklist
Men's capsule wardrobe in neutral colours
Caring for leather shoes
How to tie a tie: four knots
Summer linen shirts for men
Rolling jeans cuffs properly
Overshirt outfits for autumn
A five-minute grooming routine for men
Breaking in raw denim
de: Der perfekte Anzug: Passform-Check
"""),
        ("accessories", """
Everyday gold jewellery layering
* Eight ways to tie a silk scarf
Sunglasses for your face shape
White sneaker roundup
Leather tote bags that last
Hair clips and claw clip hairstyles
Choosing an everyday watch
Matching belts and shoes
Caring for silver jewellery
es: Cómo combinar zapatillas blancas
fr: Bijoux fins à superposer
"""),
    ],
    "gardening": [
        ("balcony", """
** Tiny balcony garden makeover
Tomatoes in containers: the complete guide
Herbs that thrive on a windowsill
Vertical pallet planter
Self-watering pots from buckets
Strawberries in hanging baskets
Balcony privacy with climbing plants
Winter pansies for pots
Chilli peppers on a sunny balcony
Lemon tree in a pot
Solar lights for a summer balcony
Blueberries in pots
fr: Potager sur balcon : par où commencer
de: Balkonkästen mit Kräutern bepflanzen
"""),
        ("vegetables", """
** Raised bed vegetable garden for beginners
* Companion planting chart
Square foot gardening layout
Growing garlic from cloves
Succession sowing for lettuce
Seed-starting calendar by zone
Growing potatoes in grow bags
Pruning tomato side shoots
Saving seeds from tomatoes
Printable garden planner
Growing zucchini without mildew
Harvesting and curing winter squash
Sweet peas up a bamboo trellis
Green manure over winter
de: Hochbeet anlegen: Schicht für Schicht
de: Mischkultur im Gemüsegarten
fr: Le potager en permaculture
es: Huerto urbano en casa
"""),
        ("houseplants", """
** Monstera care guide
Propagating pothos in water
Low-light plants for north-facing rooms
Fiddle leaf fig: why the leaves drop
Repotting a snake plant
Getting rid of fungus gnats
Calathea humidity tips
Plant shelf styling
Pet-safe houseplants
Bottom watering explained
Terrarium in a glass jar
Getting an orchid to rebloom
Hoya care for beginners
es: Plantas de interior que casi no necesitan luz
fr: Bouturer ses plantes d'intérieur
"""),
        ("eco", """
* Backyard compost bin in a weekend
Worm farm for beginners
No-dig garden beds with cardboard
Leaf mould: free soil conditioner
Bokashi composting in an apartment
Pollinator garden plant list
Turning a lawn into a wildflower meadow
Building a bee hotel
Native plants for a shady garden
Rain barrel setup
Mulching 101
Attracting birds to a small garden
Wildlife pond in a half barrel
de: Kompost richtig anlegen
de: Insektenfreundlicher Garten
"""),
    ],
    "fitness": [
        ("running", """
** Couch to 5K: a 9-week plan
* First half marathon training plan
Easy pace: why slow running makes you faster
Running form drills
Trail running for beginners
Marathon fuelling: gels, chews and real food
Shin splints: prevention and recovery
Choosing running shoes
Interval workouts for a faster 10K
Winter running layers
Running your first 10K
Hill repeats for stronger legs
Treadmill workouts that aren't boring
de: Laufen für Anfänger: Trainingsplan
es: Plan para tu primera media maratón
"""),
        ("yoga", """
** 10-minute morning yoga flow
* Hip mobility routine for desk workers
Yin yoga for better sleep
Sun salutation breakdown
Stretches for lower back pain
Foam rolling guide
Box breathing for beginners
Yoga for runners: tight hamstrings
Yoga for better posture
Chair yoga at your desk
Pilates mat basics
fr: Yoga du matin pour bien commencer la journée
es: Estiramientos después de correr
"""),
        ("strength", """
** Full-body dumbbell workout at home
Progressive overload for beginners
No-equipment bodyweight workout
Kettlebell swings, done properly
First pull-up progression
Resistance band routine for travel
Core workout without crunches
Glute bridge variations
Home gym on a budget
High-protein meal prep for lifters
Deadlift form checklist
Beginner three-day gym plan
20-minute kettlebell workout
Mobility warm-up before lifting
es: Rutina de fuerza en casa para principiantes
de: Ganzkörpertraining mit Kurzhanteln
"""),
        ("cycling", """
Bike commuting essentials
Training for your first 100 km ride
Freestyle breathing for swimmers
Getting fit for a big trek
Indoor cycling workouts
Fixing a flat on the roadside
Choosing your first road bike
Open water swimming for beginners
First ride on a gravel bike
fr: Premier triathlon : le plan
"""),
    ],
    "diy": [
        ("woodworking", """
** Simple floating shelves from one board
Beginner woodworking tool list
Building a farmhouse dining table
Wood finishes compared: oil, wax, polyurethane
End-grain cutting board from offcuts
Pocket hole joinery basics
Sharpening chisels by hand
Outdoor bench from 2x4s
Plywood bookcase with dados
Workbench from construction lumber
Wall-mounted tool storage
Hand-cut dovetails for beginners
Router table from offcuts
de: Holzregal selber bauen
de: Schneidebrett aus Eiche
"""),
        ("upcycle", """
** Mid-century walnut sideboard makeover
Painting laminate furniture the right way
IKEA Kallax hacks
Stripping old varnish from a dresser
Re-caning a vintage chair
Chalk paint vs mineral paint
Reupholstering a dining chair seat
Turning a crib into a garden bench
Old ladder as a blanket rack
Lamp makeover with spray paint
Refreshing a rattan headboard
Fluted trim on flat cabinet doors
fr: Relooker une commode ancienne
es: Restaurar una silla de madera
fr: Poser un parquet flottant soi-même
"""),
        ("repair", """
* Patching drywall holes
Fixing a dripping tap
Regrouting a shower
Installing a dimmer switch safely
Re-caulking a bathtub
Hanging heavy mirrors on plaster walls
Unclogging a drain without chemicals
Peel-and-stick wallpaper tips
Painting a room like a pro
Fixing a squeaky door
Replacing a ceiling light fixture
Draught-proofing old sash windows
Fixing a running toilet
de: Wand streichen ohne Streifen
"""),
        ("outdoor", """
* DIY fire pit with retaining wall blocks
Paver patio in a weekend
Building a pergola
String lights on wooden posts
Cedar planter box
Gravel path with steel edging
Potting bench from reclaimed wood
Hanging a porch swing
Outdoor kitchen on a budget
Building a deck on a slope
es: Terraza con palés
"""),
    ],
    "photography": [
        ("film", """
** Getting started with 35mm film
Best film stocks for beginners
Developing black-and-white film at home
Portra 400 vs Ektar 100
Scanning negatives with a digital camera
Medium format on a budget
Pushing film: when and how
Sunny 16 and light meter apps
Loading film without light leaks
Half-frame cameras explained
Shooting expired film: what to expect
fr: Débuter en photo argentique
"""),
        ("landscape", """
* Golden hour landscape tips
Long exposures with ND filters
Milky Way photography guide
Composition with leading lines
Photographing waterfalls
Foggy forest photos
Astrophotography from a light-polluted city
Planning shots with a sun-position app
Exposing for snow scenes
Lightweight tripods for hiking
Planning a mountain sunrise shoot
es: Fotografía de paisaje: la regla de los tercios
de: Landschaftsfotografie in den Alpen
"""),
        ("portrait", """
Natural-light portraits by a window
One-light portrait setup
* Posing guide for people who hate photos
Family photos at home
Headshots with a reflector
On-camera flash without the flat look
Pet portraits that aren't blurry
Newborn photos at home, safely
Reflector or diffuser?
Outdoor portraits in harsh midday sun
"""),
        ("editing", """
* Better food photos with your phone
Making your own Lightroom presets
A simple Lightroom editing workflow
Food styling for flat lays
Street photography etiquette
Travel photography gear list
Converting to black and white
Colour grading for moody photos
Backing up photos: the 3-2-1 rule
Photo book layout tips
es: Fotografía con el móvil: trucos básicos
"""),
    ],
    "crafts": [
        ("knitting", """
** Beginner knit scarf pattern
Chunky knit blanket without needles
Granny square cardigan
Amigurumi basics
Reading a knitting chart
Top-down raglan sweater
Fixing a dropped stitch
Wool vs cotton yarn
Fair Isle colourwork for beginners
Blocking your knitting properly
Crochet market bag
Magic loop for knitting in the round
fr: Tricoter son premier bonnet
de: Socken stricken für Anfänger
"""),
        ("sewing", """
* Sewing machine basics
Tote bag in an afternoon
Linen apron pattern
Hemming jeans with the original hem
Simple elastic-waist skirt
Scrap quilt for beginners
Pyjama trousers from a free pattern
Zip pouch tutorial
Sewing a simple linen shirt
Grading a pattern between sizes
es: Costura básica: cómo coser un bajo
fr: Coudre un sac cabas en lin
"""),
        ("embroidery", """
Embroidery stitch sampler
* Botanical embroidery hoop art
Visible mending with sashiko
Punch needle cushion
Cross stitch for beginners
Monogrammed linen napkins
Embroidered denim jacket
Transferring a pattern onto fabric
Embroidered patches for jackets
fr: Broderie florale sur tambour
"""),
        ("paper", """
Handmade birthday cards
* Bullet journal setup
Linocut printing at home
Watercolour for beginners: loose florals
Pressed flower frames
Air-dry clay trinket dishes
Advent calendar from paper bags
Stamped wrapping paper
Origami crane garland
Scrapbooking travel memories
Hand lettering basics
Bookbinding a simple notebook
es: Manualidades con papel para niños
de: Makramee-Blumenampel knüpfen
"""),
    ],
}

# ---------------------------------------------------------------------------
# Boards: (title, language, size class, mix). A mix is [(pool, share)]: a pool
# is "topic/subtheme", "topic" or "*". A size class draws uniformly from
# SIZES; an integer is the exact size.
# ---------------------------------------------------------------------------

SIZES = {"XS": (3, 8), "S": (10, 22), "M": (20, 36), "L": (40, 65), "XL": (60, 80)}

BOARDS = [
    # recipes
    ("Bread baking", "en", "M", [("recipes/bread", 0.85), ("recipes/desserts", 0.15)]),
    ("Sourdough journey", "en", "S", [("recipes/bread", 1.0)]),
    ("Weekend baking", "en", "M", [("recipes/bread", 0.5), ("recipes/desserts", 0.5)]),
    ("Sweet treats", "en", "M", [("recipes/desserts", 1.0)]),
    ("Cookies & bars", "en", "XS", [("recipes/desserts", 1.0)]),
    ("Plant-based eats", "en", "M", [("recipes/vegan", 1.0)]),
    ("Vegan meal prep", "en", "S", [("recipes/vegan", 0.8), ("recipes/weeknight", 0.2)]),
    ("Meatless Mondays", "en", "S", [("recipes/vegan", 0.7), ("recipes/soups", 0.3)]),
    ("Quick dinners", "en", "M", [("recipes/weeknight", 1.0)]),
    ("Weeknight dinners", "en", "M", [("recipes/weeknight", 0.8), ("recipes/italian", 0.2)]),
    ("Family dinners", "en", "L", [("recipes/weeknight", 0.5), ("recipes/italian", 0.3), ("recipes/soups", 0.2)]),
    ("Italian night", "en", "M", [("recipes/italian", 1.0)]),
    ("Pasta pasta pasta", "en", "S", [("recipes/italian", 1.0)]),
    ("Soup season", "en", "S", [("recipes/soups", 1.0)]),
    ("Comfort food", "en", "L", [("recipes/soups", 0.35), ("recipes/italian", 0.35), ("recipes/weeknight", 0.3)]),
    ("Recipes to try", "en", "XL", [("recipes", 1.0)]),
    ("Dinner ideas", "en", "L", [("recipes", 1.0)]),
    ("Cuisine de saison", "fr", 15, [("recipes", 1.0)]),
    ("Pâtisserie maison", "fr", "XS", [("recipes/desserts", 0.6), ("recipes/bread", 0.4)]),
    ("Recetas fáciles", "es", "XS", [("recipes/weeknight", 0.5), ("recipes/soups", 0.3), ("recipes/vegan", 0.2)]),
    ("Cocina española", "es", "S", [("recipes", 1.0)]),
    ("Backen am Wochenende", "de", "XS", [("recipes/bread", 0.6), ("recipes/desserts", 0.4)]),
    ("Campfire cooking", "en", "XS", [("recipes/campfood", 1.0)]),
    ("Food", "en", "L", [("recipes", 1.0)]),
    # travel
    ("Lisbon trip 2025", "en", "S", [("travel/lisbon", 1.0)]),
    ("Portugal", "en", "M", [("travel/lisbon", 0.8), ("travel/europe", 0.2)]),
    ("Japan 2026", "en", "S", [("travel/japan", 1.0)]),
    ("Japan someday", "en", "S", [("travel/japan", 1.0)]),
    ("Europe city breaks", "en", "M", [("travel/europe", 0.75), ("travel/lisbon", 0.25)]),
    ("Weekend getaways", "en", "M", [("travel/europe", 0.6), ("travel/lisbon", 0.4)]),
    ("National parks", "en", "S", [("travel/outdoors", 1.0)]),
    ("Hiking trips", "en", "M", [("travel/outdoors", 0.85), ("fitness/cycling", 0.15)]),
    ("Bucket list", "en", "XL", [("travel", 1.0)]),
    ("Travel tips", "en", "S", [("travel/packing", 1.0)]),
    ("Packing light", "en", "XS", [("travel/packing", 1.0)]),
    ("Wanderlust", "en", "L", [("travel", 1.0)]),
    ("Travel", "en", "M", [("travel", 1.0)]),
    ("Voyages", "fr", "XS", [("travel", 1.0)]),
    ("Viajes", "es", "XS", [("travel", 1.0)]),
    ("Wandern & Reisen", "de", "XS", [("travel/outdoors", 0.6), ("travel", 0.4)]),
    # home
    ("Small space living", "en", "M", [("home/smallspace", 1.0)]),
    ("Apartment ideas", "en", "L", [("home/smallspace", 0.6), ("home/interiors", 0.4)]),
    ("Get organised", "en", "S", [("home/smallspace", 1.0)]),
    ("Mid-century love", "en", "M", [("home/interiors", 0.75), ("diy/upcycle", 0.25)]),
    ("Living room ideas", "en", "M", [("home/interiors", 0.7), ("home/cozy", 0.3)]),
    ("Dream home", "en", "XL", [("home", 1.0)]),
    ("Home decor", "en", "M", [("home/interiors", 0.5), ("home/cozy", 0.3), ("home/smallspace", 0.2)]),
    ("Kitchen remodel", "en", "S", [("home/kitchenbath", 1.0)]),
    ("Bathroom reno", "en", "XS", [("home/kitchenbath", 1.0)]),
    ("Cosy home", "en", "M", [("home/cozy", 0.7), ("home/interiors", 0.3)]),
    ("Holiday decor", "en", "XS", [("home/cozy", 1.0)]),
    ("Déco maison", "fr", "XS", [("home", 1.0)]),
    ("Casa bonita", "es", "XS", [("home", 1.0)]),
    ("Wohnideen", "de", "XS", [("home", 1.0)]),
    # fashion
    ("Capsule wardrobe", "en", "S", [("fashion/capsule", 1.0)]),
    ("Outfit ideas", "en", "L", [("fashion", 1.0)]),
    ("Style inspo", "en", "M", [("fashion/capsule", 0.5), ("fashion/accessories", 0.3), ("fashion/vintage", 0.2)]),
    ("Thrift flips", "en", "XS", [("fashion/vintage", 1.0)]),
    ("Sustainable fashion", "en", "S", [("fashion/vintage", 0.7), ("fashion/capsule", 0.3)]),
    ("Menswear", "en", "S", [("fashion/mens", 1.0)]),
    ("Accessories", "en", "XS", [("fashion/accessories", 1.0)]),
    ("Mode", "fr", "XS", [("fashion", 1.0)]),
    ("Moda", "es", "XS", [("fashion", 1.0)]),
    # gardening
    ("Tiny balcony garden", "en", "S", [("gardening/balcony", 1.0)]),
    ("Container gardening", "en", "M", [("gardening/balcony", 0.7), ("gardening/vegetables", 0.3)]),
    ("Veggie patch", "en", "M", [("gardening/vegetables", 1.0)]),
    ("Garden planning 2025", "en", "S", [("gardening/vegetables", 0.6), ("gardening/eco", 0.4)]),
    ("Grow your own food", "en", "L", [("gardening/vegetables", 0.6), ("gardening/balcony", 0.4)]),
    ("Houseplant care", "en", "S", [("gardening/houseplants", 1.0)]),
    ("Plant parent", "en", "XS", [("gardening/houseplants", 1.0)]),
    ("Urban jungle", "en", "M", [("gardening/houseplants", 0.7), ("home/interiors", 0.3)]),
    ("Compost & soil", "en", "XS", [("gardening/eco", 1.0)]),
    ("Wildlife garden", "en", "S", [("gardening/eco", 1.0)]),
    ("Garden ideas", "en", "L", [("gardening", 1.0)]),
    ("Jardin", "fr", "XS", [("gardening", 1.0)]),
    ("Mein Garten", "de", "XS", [("gardening", 1.0)]),
    # fitness
    ("Running", "en", "S", [("fitness/running", 1.0)]),
    ("Half marathon training", "en", "S", [("fitness/running", 0.8), ("fitness/yoga", 0.2)]),
    ("Yoga", "en", "S", [("fitness/yoga", 1.0)]),
    ("Stretch & mobility", "en", "XS", [("fitness/yoga", 1.0)]),
    ("Home workouts", "en", "M", [("fitness/strength", 0.8), ("fitness/yoga", 0.2)]),
    ("Strength training", "en", "S", [("fitness/strength", 1.0)]),
    ("Fitness goals", "en", "L", [("fitness", 1.0)]),
    ("Entrenamiento", "es", "XS", [("fitness", 1.0)]),
    ("Sport & Fitness", "de", "XS", [("fitness", 1.0)]),
    # diy
    ("Woodworking projects", "en", "M", [("diy/woodworking", 0.8), ("diy/outdoor", 0.2)]),
    ("Shop tips", "en", "XS", [("diy/woodworking", 1.0)]),
    ("Furniture flips", "en", "S", [("diy/upcycle", 1.0)]),
    ("Home repair", "en", "S", [("diy/repair", 1.0)]),
    ("Fixer upper", "en", "M", [("diy/repair", 0.6), ("home/kitchenbath", 0.4)]),
    ("Backyard projects", "en", "S", [("diy/outdoor", 0.7), ("gardening/eco", 0.3)]),
    ("DIY ideas", "en", "L", [("diy", 1.0)]),
    ("Heimwerken", "de", "XS", [("diy", 1.0)]),
    ("Bricolage", "fr", "XS", [("diy", 1.0)]),
    # photography
    ("Film photography", "en", "S", [("photography/film", 1.0)]),
    ("Analog", "en", "XS", [("photography/film", 1.0)]),
    ("Landscape photography", "en", "S", [("photography/landscape", 1.0)]),
    ("Photo tips", "en", "L", [("photography", 1.0)]),
    ("Portrait lighting", "en", "XS", [("photography/portrait", 1.0)]),
    ("Food photography", "en", "S", [("photography/editing", 0.5), ("recipes/desserts", 0.25), ("recipes/bread", 0.25)]),
    ("Fotografía", "es", "XS", [("photography", 1.0)]),
    # crafts
    ("Knitting", "en", "S", [("crafts/knitting", 1.0)]),
    ("Sewing projects", "en", "XS", [("crafts/sewing", 1.0)]),
    ("Embroidery", "en", "XS", [("crafts/embroidery", 1.0)]),
    ("Craft ideas", "en", "L", [("crafts", 1.0)]),
    ("Kids crafts", "en", "XS", [("crafts/paper", 1.0)]),
    ("Handmade gifts", "en", "M", [("crafts", 0.7), ("recipes/desserts", 0.3)]),
    ("Tricot & couture", "fr", "XS", [("crafts/knitting", 0.6), ("crafts/sewing", 0.4)]),
    ("Handarbeit", "de", "XS", [("crafts", 1.0)]),
    # cross-theme
    ("Camping meals", "en", "S", [("recipes/campfood", 0.6), ("travel/outdoors", 0.4)]),
    ("Garden to table", "en", "M", [("gardening/vegetables", 0.5), ("recipes/vegan", 0.25), ("recipes/soups", 0.25)]),
    ("Travel outfits", "en", "S", [("fashion/capsule", 0.5), ("travel/packing", 0.5)]),
    ("Handmade home", "en", "M", [("crafts/sewing", 0.3), ("crafts/embroidery", 0.3), ("diy/upcycle", 0.4)]),
    ("Photo spots in Europe", "en", "S", [("travel/europe", 0.6), ("photography/landscape", 0.4)]),
    ("Hiking & trail running", "en", "S", [("travel/outdoors", 0.5), ("fitness/running", 0.5)]),
    ("Cosy autumn", "en", "M", [("recipes/soups", 0.3), ("home/cozy", 0.3), ("crafts/knitting", 0.2), ("fashion/capsule", 0.2)]),
    ("Balcony living", "en", "S", [("gardening/balcony", 0.5), ("home/smallspace", 0.3), ("home/cozy", 0.2)]),
    ("Marathon fuel", "en", "XS", [("fitness/running", 0.5), ("recipes/vegan", 0.25), ("recipes/weeknight", 0.25)]),
    # broad and mixed
    ("Things I love", "en", "XL", [("*", 1.0)]),
    ("Inspiration", "en", "XL", [("*", 1.0)]),
    ("Favourites", "en", "L", [("*", 1.0)]),
    ("Someday", "en", "L", [("*", 1.0)]),
    ("Saved for later", "en", "L", [("*", 1.0)]),
    ("Ideas", "en", "L", [("*", 1.0)]),
    ("To do this year", "en", "L", [("*", 1.0)]),
    ("Mood board", "en", "M", [("home", 0.4), ("fashion", 0.4), ("photography", 0.2)]),
    ("Mes envies", "fr", "M", [("*", 1.0)]),
    ("Cosas que me gustan", "es", "M", [("*", 1.0)]),
    ("Merkliste", "de", "M", [("*", 1.0)]),
    ("Good ideas", "en", "L", [("*", 1.0)]),
    ("Daily inspiration", "en", "XL", [("*", 1.0)]),
    ("Pins I actually tried", "en", "M", [("*", 1.0)]),
    ("Weekend plans", "en", "M", [("travel", 0.3), ("recipes", 0.3), ("diy", 0.2), ("gardening", 0.2)]),
    ("New year, new habits", "en", "M", [("fitness", 0.5), ("recipes/vegan", 0.25), ("home/smallspace", 0.25)]),
    ("Home & garden", "en", "L", [("home", 0.5), ("gardening", 0.3), ("diy", 0.2)]),
    ("Summer 2025", "en", "M", [("travel", 0.4), ("recipes", 0.3), ("gardening/balcony", 0.15), ("fashion/capsule", 0.15)]),
    ("Gift ideas", "en", "M", [("crafts", 0.4), ("fashion/accessories", 0.3), ("home/cozy", 0.3)]),
    ("Self-care", "en", "S", [("fitness/yoga", 0.5), ("home/cozy", 0.3), ("recipes/soups", 0.2)]),
]

# Where a board spills over when its sub-theme is used up.
RELATED = {
    "recipes/bread": "recipes/desserts",
    "recipes/desserts": "recipes/bread",
    "recipes/vegan": "recipes/soups",
    "recipes/weeknight": "recipes/italian",
    "recipes/italian": "recipes/weeknight",
    "recipes/soups": "recipes/vegan",
    "recipes/campfood": "travel/outdoors",
    "travel/lisbon": "travel/europe",
    "travel/japan": "travel/packing",
    "travel/europe": "travel/lisbon",
    "travel/outdoors": "travel/packing",
    "travel/packing": "fashion/capsule",
    "home/smallspace": "home/interiors",
    "home/interiors": "home/cozy",
    "home/kitchenbath": "diy/repair",
    "home/cozy": "home/interiors",
    "fashion/capsule": "fashion/accessories",
    "fashion/vintage": "fashion/capsule",
    "fashion/mens": "fashion/capsule",
    "fashion/accessories": "fashion/capsule",
    "gardening/balcony": "gardening/vegetables",
    "gardening/vegetables": "gardening/eco",
    "gardening/houseplants": "gardening/balcony",
    "gardening/eco": "gardening/vegetables",
    "fitness/running": "fitness/yoga",
    "fitness/yoga": "fitness/strength",
    "fitness/strength": "fitness/yoga",
    "fitness/cycling": "fitness/running",
    "diy/woodworking": "diy/outdoor",
    "diy/upcycle": "diy/woodworking",
    "diy/repair": "diy/upcycle",
    "diy/outdoor": "diy/woodworking",
    "photography/film": "photography/editing",
    "photography/landscape": "photography/editing",
    "photography/portrait": "photography/editing",
    "photography/editing": "photography/portrait",
    "crafts/knitting": "crafts/sewing",
    "crafts/sewing": "crafts/embroidery",
    "crafts/embroidery": "crafts/sewing",
    "crafts/paper": "crafts/embroidery",
}

# Sub-theme names as the README shows them.
SUB_LABELS = {
    "weeknight": "quick weeknight", "italian": "Italian", "campfood": "camp cooking",
    "lisbon": "Lisbon & Portugal", "japan": "Japan", "europe": "European city breaks",
    "outdoors": "hiking & national parks", "packing": "packing & travel tips",
    "smallspace": "small spaces & storage", "interiors": "interior style",
    "kitchenbath": "kitchens & bathrooms", "cozy": "cosy & seasonal",
    "capsule": "capsule wardrobes", "vintage": "vintage & thrift", "mens": "menswear",
    "balcony": "balcony & containers", "vegetables": "vegetable garden",
    "eco": "compost & wildlife", "strength": "strength & home workouts",
    "yoga": "yoga & mobility", "cycling": "cycling & swimming",
    "upcycle": "furniture makeovers", "repair": "home repair",
    "outdoor": "outdoor projects", "film": "film photography",
    "portrait": "portraits & lighting", "editing": "phone photos & editing",
    "knitting": "knitting & crochet", "paper": "paper & painting",
}

# Pins worth querying in the README: (title, what the pin is).
DEMO_PINS = [
    ("Sourdough starter from scratch",
     "English, recipes/bread, a favourite; also on a German and a Spanish board"),
    ("Weekend in Lisbon: Alfama walking route",
     "English, travel/Lisbon; also on German and Spanish boards"),
    ("Madeleines au beurre noisette",
     "French, recipes/desserts, on French boards only"),
    ("Tiny balcony garden makeover",
     "English, gardening/balcony; also on French, German and Spanish boards"),
]

# What `boardwalk query sample.bwg --pin PIN FLAGS --top 10 --seed 1` prints
# for them: (pin title, extra flags, text). Each *title* in the text must be
# among the ten results, and with --language L every result is in L:
# Tests/python/test_docs.py runs each command from the README and checks.
# Write what the shipped defaults print, not what one would like them to.
DEMO_QUERIES = [
    ("Sourdough starter from scratch", "",
     "German and Spanish bread and baking pins first (*Apfelstrudel mit "
     "selbstgezogenem Teig*, *Roggenbrot mit Sauerteig: das Grundrezept*, "
     "*Laugenbrezeln wie vom Bäcker*, *Pan de masa madre paso a paso*), then "
     "the English favourites *Overnight focaccia with cherry tomatoes and "
     "olives* and *No-knead Dutch oven bread*."),
    ("Sourdough starter from scratch", "--language en",
     "For an English-speaking user: ten English baking pins: bread (*Whole "
     "wheat sourdough at 75% hydration*, *New York bagels boiled in barley malt "
     "water*, *Cinnamon swirl brioche loaf*, *How to shape a batard, step by "
     "step*) and desserts (*Rhubarb and strawberry galette*, *Victoria sponge "
     "for afternoon tea*)."),
    ("Sourdough starter from scratch", "--popularity-penalty 0",
     "Pixie's raw visit counts: the popular bread pins lead (*Overnight "
     "focaccia with cherry tomatoes and olives*, *No-knead Dutch oven bread*, "
     "*Whole wheat sourdough at 75% hydration*), then popular recipes of every "
     "kind (*Brown butter chocolate chip cookies*, *Creamy vegan mac and cheese "
     "with cashews*)."),
    ("Weekend in Lisbon: Alfama walking route", "",
     "German and Spanish travel pins (*Ein Wochenende in Wien*, "
     "*Berlin-Kreuzberg zu Fuß entdecken*, *Oporto con poco presupuesto*, "
     "*Barcelona en tres días: qué ver*): no Lisbon pin in the first ten."),
    ("Weekend in Lisbon: Alfama walking route", "--language en",
     "Lisbon and Portugal (*Lisbon viewpoints for sunset*, *LX Factory and "
     "Belém in one afternoon*, *Best pastéis de nata in Lisbon, ranked*, *Tram "
     "28: tips and quieter alternatives*, *Benagil sea caves by kayak*) among "
     "European city breaks (*Seville in spring*, *Bruges in a day*, "
     "*Copenhagen on a budget*)."),
    ("Madeleines au beurre noisette", "",
     "French baking and cooking, all ten in French (its boards are French): "
     "*Crème brûlée à la vanille*, *Pain de campagne au levain naturel*, "
     "*Croissants maison en trois jours*, *Quiche lorraine facile*, *Tarte "
     "tatin comme chez grand-mère*."),
    ("Tiny balcony garden makeover", "",
     "French vegetable-garden pins first (*Potager sur balcon : par où "
     "commencer*, *Le potager en permaculture*), then English container and "
     "balcony pins (*Winter pansies for pots*, *Chilli peppers on a sunny "
     "balcony*, *Blueberries in pots*, *Lemon tree in a pot*)."),
    ("Tiny balcony garden makeover", "--language en",
     "Container and balcony pins (*Winter pansies for pots*, *Chilli peppers "
     "on a sunny balcony*, *Self-watering pots from buckets*, *Tomatoes in "
     "containers: the complete guide*), then houseplants (*Repotting a snake "
     "plant*)."),
]

# Sampling knobs.
POP_STAR2 = 100.0   # "**" pins
POP_STAR1 = 30.0   # "*" pins
SAME_LANG = 1.0    # English board, English pin
FOREIGN_ON_EN = 0.1    # foreign pin re-saved to an English board
OWN_LANG = 10.0    # foreign board, pin in its language
EN_ON_FOREIGN = 1.0
OTHER_FOREIGN = 0.05
SUB_CAP = 0.45    # most of a sub-theme one board takes
TOPIC_CAP = 0.6   # most of a topic one board takes
BROAD_POP_POWER = 0.6  # broad boards ("*") follow popularity less closely
EXTRA_SAVES = 300
RESAVE_POWER = 2.0
MAX_PIN_DEGREE = 30
MAX_BOARD_SIZE = 80
BOARD_GROWTH = 1.25
OWN_SHARE = 0.65   # share a fr/es/de board draws from pins in its language


def parse_pins():
    pins = []  # dicts: title, lang, topic, sub, star
    for topic, subs in PINS.items():
        for sub, block in subs:
            for raw in block.strip().splitlines():
                line = raw.strip()
                if not line:
                    continue
                star = 0
                while line.startswith("*"):
                    star += 1
                    line = line[1:]
                line = line.strip()
                lang = "en"
                if len(line) > 3 and line[2] == ":" and line[:2] in ("fr", "es", "de"):
                    lang, line = line[:2], line[3:].strip()
                pins.append({"title": line, "lang": lang, "topic": topic,
                             "sub": topic + "/" + sub, "star": star})
    return pins


def unique_ids(rng, n, lo, hi, taken):
    out = []
    while len(out) < n:
        v = rng.randrange(lo, hi)
        if v not in taken:
            taken.add(v)
            out.append(v)
    return out


def lang_affinity(board_lang, pin_lang):
    """Sampling weight factor for a pin in pin_lang on a board in board_lang."""
    if board_lang == "en":
        return SAME_LANG if pin_lang == "en" else FOREIGN_ON_EN
    if pin_lang == board_lang:
        return OWN_LANG
    if pin_lang == "en":
        return EN_ON_FOREIGN
    return OTHER_FOREIGN


def weighted_sample(rng, items, weights, k):
    """k distinct items, weighted, without replacement (Efraimidis-Spirakis)."""
    keyed = []
    for item, w in zip(items, weights):
        u = rng.random()
        keyed.append((math.log(u) / w if u > 0 else -math.inf, item))
    keyed.sort(reverse=True)
    return [item for _, item in keyed[:k]]


def build():
    rng = random.Random(SEED)
    pins = parse_pins()
    titles = [p["title"] for p in pins]
    assert len(set(titles)) == len(titles), "duplicate pin title"
    btitles = [b[0] for b in BOARDS]
    assert len(set(btitles)) == len(btitles), "duplicate board title"
    for t in titles + btitles:
        assert "\t" not in t and "\n" not in t and t == t.strip(), t

    # Ids: pins 19 digits starting with 7, boards 18 digits starting with 5.
    taken = set()
    id_rng = random.Random(SEED + 1)
    pin_ids = unique_ids(id_rng, len(pins), 7_010_000_000_000_000_000,
                         7_390_000_000_000_000_000, taken)
    board_ids = unique_ids(id_rng, len(BOARDS), 540_000_000_000_000_000,
                           589_000_000_000_000_000, taken)

    # Popularity: hand-marked favourites, otherwise a Pareto draw.
    pop = []
    for p in pins:
        if p["star"] == 2:
            pop.append(POP_STAR2 * (0.8 + 0.4 * rng.random()))
        elif p["star"] == 1:
            pop.append(POP_STAR1 * (0.7 + 0.6 * rng.random()))
        else:
            pop.append(min(8.0, 0.3 * rng.paretovariate(1.3)))

    def pool(key):
        if key == "*":
            return list(range(len(pins)))
        if "/" in key:
            return [i for i, p in enumerate(pins) if p["sub"] == key]
        return [i for i, p in enumerate(pins) if p["topic"] == key]

    pools = {}

    def get_pool(key):
        if key not in pools:
            pools[key] = pool(key)
        return pools[key]

    def draw(blang, key, k, chosen, chosen_set):
        """Add up to k pins from pool key to chosen; return how many were
        missing. An English board takes English pins only (it gets a few
        others from re-saves). A board in another language takes OWN_SHARE
        of them from pins in its language, as far as there are, and then
        only as many other pins as keep that share on the whole board (at
        least two)."""
        def take(cand, n):
            e = BROAD_POP_POWER if key == "*" else 1.0
            w = [pop[i] ** e * lang_affinity(blang, pins[i]["lang"]) for i in cand]
            got = weighted_sample(rng, cand, w, min(n, len(cand)))
            chosen.extend(got)
            chosen_set.update(got)
            return len(got)

        free = [i for i in get_pool(key) if i not in chosen_set]
        if blang == "en":
            return k - take([i for i in free if pins[i]["lang"] == "en"], k)
        own = take([i for i in free if pins[i]["lang"] == blang],
                   round(k * OWN_SHARE))
        n_own = sum(1 for i in chosen if pins[i]["lang"] == blang)
        allowed = max(2, round(n_own * (1 - OWN_SHARE) / OWN_SHARE))
        rest = min(k - own, max(0, allowed - (len(chosen) - n_own)))
        rest = take([i for i in free if i not in chosen_set], rest)
        return k - own - rest

    board_pins = []
    board_cap = []
    for title, blang, size_class, mix in BOARDS:
        if isinstance(size_class, int):
            size = size_class
        else:
            lo, hi = SIZES[size_class]
            size = rng.randint(lo, hi)
        chosen = []
        chosen_set = set()
        for key, share in mix:
            k = max(1, round(size * share))
            if "/" in key:
                # take at most SUB_CAP of a sub-theme; the rest of the share
                # spills over to its related sub-theme (and no further)
                for spill in (key, RELATED[key]):
                    cap = math.ceil(SUB_CAP * len(get_pool(spill)))
                    k = k - min(k, cap) + draw(blang, spill, min(k, cap), chosen, chosen_set)
                    if k <= 0:
                        break
            elif key != "*":
                # a topic-wide board leaves part of its topic alone
                cap = math.ceil(TOPIC_CAP * len(get_pool(key)))
                draw(blang, key, min(k, cap), chosen, chosen_set)
            else:
                draw(blang, key, k, chosen, chosen_set)
        board_pins.append(chosen)
        board_cap.append(min(MAX_BOARD_SIZE, math.ceil(size * BOARD_GROWTH) + 2))

    # Re-saves, rich get richer: EXTRA_SAVES more saves, each of a pin drawn
    # by degree ** RESAVE_POWER, onto a random board whose mix names the pin's
    # sub-theme, its topic or everything and whose language is the pin's
    # (English boards take other languages now and then, never the reverse).
    # Degrees stay at most MAX_PIN_DEGREE; a board grows to at most
    # BOARD_GROWTH times its drawn size (plus two), and never past MAX_BOARD_SIZE.
    degree = [0] * len(pins)
    for bp in board_pins:
        for i in bp:
            degree[i] += 1
    on_board = [set(bp) for bp in board_pins]
    homes = []
    for i, p in enumerate(pins):
        hs = []
        for b, (_, blang, _, mix) in enumerate(BOARDS):
            keys = [key for key, _ in mix]
            if p["sub"] in keys or p["topic"] in keys or "*" in keys:
                if blang == p["lang"]:
                    hs.append((b, 1.0))
                elif blang == "en":
                    hs.append((b, FOREIGN_ON_EN))
        homes.append(hs)
    added = 0
    attempts = 0
    while added < EXTRA_SAVES and attempts < 50 * EXTRA_SAVES:
        attempts += 1
        w = [d ** RESAVE_POWER if d < MAX_PIN_DEGREE else 0.0 for d in degree]
        i = rng.choices(range(len(pins)), weights=w)[0]
        hs = [(b, a) for b, a in homes[i]
              if i not in on_board[b] and len(board_pins[b]) < board_cap[b]]
        if not hs:
            continue
        b = rng.choices([b for b, _ in hs], weights=[a for _, a in hs])[0]
        board_pins[b].append(i)
        on_board[b].add(i)
        degree[i] += 1
        added += 1

    # Every pin is saved at least once: put orphans on a board of their own
    # sub-theme (a board whose mix names the sub-theme or its topic),
    # preferring boards in the pin's language.
    for i, p in enumerate(pins):
        if degree[i]:
            continue
        cands = []
        for b, (title, blang, _, mix) in enumerate(BOARDS):
            keys = [k for k, _ in mix]
            if p["sub"] in keys:
                score = 2
            elif p["topic"] in keys:
                score = 1
            else:
                continue
            if blang == p["lang"]:
                score += 4
            cands.append((score, b))
        best = max(s for s, _ in cands)
        b = rng.choice([b for s, b in cands if s == best])
        board_pins[b].append(i)
        degree[i] += 1

    edges = sorted({(pin_ids[i], board_ids[b])
                    for b, bp in enumerate(board_pins) for i in bp})
    return pins, pin_ids, board_ids, board_pins, degree, edges


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def median(xs):
    s = sorted(xs)
    n = len(s)
    m = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return "%g" % m


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: make_sample.py OUTPUT_DIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    pins, pin_ids, board_ids, board_pins, degree, edges = build()

    order = sorted(range(len(pins)), key=lambda i: pin_ids[i])
    border = sorted(range(len(BOARDS)), key=lambda b: board_ids[b])

    write(os.path.join(out, "edges.tsv"), [
        "# Boardwalk sample graph: pins (saved items) and the boards they are saved on.",
        "# Original content of the Boardwalk project, generated by",
        "# Tools/sample-graph/make_sample.py; see README.md in this directory.",
        "pin_id\tboard_id",
    ] + ["%d\t%d" % e for e in edges])
    write(os.path.join(out, "pin-titles.tsv"),
          ["pin_id\ttitle"] + ["%d\t%s" % (pin_ids[i], pins[i]["title"]) for i in order])
    write(os.path.join(out, "board-titles.tsv"),
          ["board_id\ttitle"] + ["%d\t%s" % (board_ids[b], BOARDS[b][0]) for b in border])
    write(os.path.join(out, "pin-attributes.tsv"),
          ["pin_id\tlanguage\ttopic"]
          + ["%d\t%s\t%s" % (pin_ids[i], pins[i]["lang"], pins[i]["topic"]) for i in order])

    # README, with numbers computed from what was just written.
    bsizes = [len(set(bp)) for bp in board_pins]
    pdeg = [0] * len(pins)
    for bp in board_pins:
        for i in set(bp):
            pdeg[i] += 1
    langs = {}
    for p in pins:
        langs[p["lang"]] = langs.get(p["lang"], 0) + 1
    topics = {}
    for p in pins:
        topics.setdefault(p["topic"], []).append(p["sub"].split("/")[1])
    by_title = {p["title"]: i for i, p in enumerate(pins)}

    lines = [
        "# Boardwalk sample graph",
        "",
        "A small, hand-made bipartite graph of pins (saved items) and boards",
        "(collections of pins) for trying Boardwalk, writing tests and demos, and",
        "judging recommendations by eye: every pin and board has a readable title,",
        "and pins carry a language and a topic.",
        "",
        "## Counts",
        "",
        "| | |",
        "|---|---|",
        "| pins | %d |" % len(pins),
        "| boards | %d |" % len(BOARDS),
        "| edges (distinct) | %d |" % len(edges),
        "| pin degree: median / max | %s / %d |" % (median(pdeg), max(pdeg)),
        "| pins on 1-4 boards / on 15 or more | %d (%.0f%%) / %d |"
        % (sum(d <= 4 for d in pdeg), 100.0 * sum(d <= 4 for d in pdeg) / len(pins),
           sum(d >= 15 for d in pdeg)),
        "| board size: min / median / max | %d / %s / %d |"
        % (min(bsizes), median(bsizes), max(bsizes)),
        "| pin languages | %s |" % ", ".join(
            "%s %d (%.0f%%)" % (l, langs[l], 100.0 * langs[l] / len(pins))
            for l in ("en", "fr", "es", "de")),
        "",
        "## Files",
        "",
        "- `edges.tsv`: `pin_id<TAB>board_id`, one edge per line, after a few `#`",
        "  comment lines and a header line; sorted, no duplicates.",
        "- `pin-titles.tsv`: `pin_id<TAB>title`.",
        "- `board-titles.tsv`: `board_id<TAB>title`.",
        "- `pin-attributes.tsv`: `pin_id<TAB>language<TAB>topic`; language is",
        "  `en`, `fr`, `es` or `de`, topic is the pin's theme.",
        "",
        "Pin ids are 19-digit and board ids 18-digit unsigned 64-bit integers, drawn",
        "at random in two ranges that do not overlap; they mean nothing else.",
        "",
        "## Themes",
        "",
        "Each topic is split into sub-themes, and most boards follow one sub-theme,",
        "so a good recommendation for a pin comes from its own sub-theme first,",
        "then its topic:",
        "",
    ]
    for topic, subs in topics.items():
        seen = []
        for s in subs:
            if s not in seen:
                seen.append(s)
        lines.append("- **%s** (%d pins): %s" % (
            topic, len(subs), ", ".join(SUB_LABELS.get(x, x) for x in seen)))
    lines += [
        "",
        "Besides the sub-theme boards there are topic-wide boards (\"Recipes to",
        "try\", \"Dream home\"), cross-theme boards (\"Camping meals\" = recipes +",
        "travel, \"Garden to table\", \"Travel outfits\", \"Cosy autumn\") and broad",
        "boards that mix everything (\"Things I love\", \"Inspiration\", \"Someday\").",
        "%.0f%% of pins have a French, Spanish or German title; boards with titles"
        % (100.0 * (len(pins) - langs["en"]) / len(pins)),
        "in those languages (\"Cuisine de saison\", \"Viajes\", \"Mein Garten\") save",
        "mostly pins in their language plus some English ones, and English boards",
        "only rarely save a pin in another language.",
        "Degrees are heavy-tailed on both sides: most pins are on a few boards,",
        "a handful of favourites are on many.",
        "",
        "## Pins worth querying",
        "",
        "| pin id | title | boards | what it is |",
        "|---|---|---|---|",
    ]
    for title, what in DEMO_PINS:
        i = by_title[title]
        lines.append("| %d | %s | %d | %s |" % (pin_ids[i], title, pdeg[i], what))
    lines += [
        "",
        "Build the graph from this directory (`Tools/demo` does the same from the",
        "repository root) and query it:",
        "",
        "    boardwalk build --output sample.bwg --pin-titles pin-titles.tsv \\",
        "        --board-titles board-titles.tsv --pin-attributes pin-attributes.tsv edges.tsv",
        "",
        "What the ten results are, at the defaults unless a flag says otherwise",
        "(`Tests/python/test_docs.py` runs each command and checks that every pin",
        "named after it is among its results, and that with `--language` every",
        "result is in that language):",
        "",
    ]
    for title, flags, text in DEMO_QUERIES:
        i = by_title[title]
        command = "boardwalk query sample.bwg --pin %d%s --top 10 --seed 1" % (
            pin_ids[i], " " + flags if flags else "")
        lines.append("- %s: `%s`" % (title, command))
        lines.append("")
        lines.extend("  " + l for l in textwrap.wrap(text, 72, break_on_hyphens=False))
        lines.append("")
    lines += [
        "Why pins in other languages lead at the defaults: a German or Spanish",
        "pin here is typically saved to one or two boards of its language, and",
        "the default popularity penalty (score = visits / boards^0.7, RP3β) leaves",
        "its visits almost undivided, while a favourite on 19 boards has its",
        "visits divided by 19^0.7 ≈ 7.9. An English pin that is also on such a",
        "board therefore gets them first. That is the penalty doing its job",
        "(specific pins over merely popular ones), but not what an",
        "English-speaking user wants: pass the user's language (`--language en`,",
        "`language=\"en\"` in Python; the bias is then 1, so every hop goes to a",
        "board or pin in that language whenever there is one), or set",
        "`--popularity-penalty 0` to rank by raw visit counts as in Pixie.",
        "",
        "## How it was made",
        "",
        "`Tools/sample-graph/make_sample.py` holds the pin titles (by topic and",
        "sub-theme, with favourites marked) and the boards (title, language, size",
        "class and the pools they draw from). With a fixed seed it gives each pin",
        "a popularity weight, lets every board draw its pins by weighted sampling",
        "without replacement (in the board's language, mostly), adds a round of",
        "rich-get-richer re-saves of popular pins, and saves any pin still on no",
        "board to a board of its own sub-theme. Nothing comes from outside data.",
        "Regenerate, byte for byte, from the repository root with:",
        "",
        "    python3 Tools/sample-graph/make_sample.py Graphs/sample",
        "",
        "## Licence",
        "",
        "The titles, boards and graph are original work of the Boardwalk project,",
        "written for it and not taken from any data set or website; they are",
        "distributed, like the rest of the repository, under the Apache License,",
        "Version 2.0 (`LICENSE` at the repository root). Any resemblance to real",
        "users' boards is coincidence.",
    ]
    write(os.path.join(out, "README.md"), lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
