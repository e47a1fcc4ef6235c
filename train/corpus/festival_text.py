"""Sentences for the festvox voices (written for this corpus). Slots 0-6 are TRAIN, slots 7-9
only the dev set, so dev speech is never a sentence heard in training."""
from __future__ import annotations

TRAIN_SLOTS = tuple(range(7))
DEV_SLOTS = (7, 8, 9)

SENTENCES: dict[str, tuple[str, ...]] = {
    "English": (
        "The weather is lovely today, let's go for a walk.", "Could you please pass me the salt?",
        "I will meet you at the train station at six.", "This song reminds me of my childhood.",
        "The library closes early on Sundays.", "My brother bought a new bicycle yesterday.",
        "Please turn off the lights when you leave the room.",
        "We are planning a small party for her birthday next week.",
        "The museum has a new exhibition about old maps.", "It started raining just as we reached the beach."),
    "Italian": (
        "Oggi il tempo è bellissimo, andiamo a fare una passeggiata.", "Mi passi il sale, per favore?",
        "Ci vediamo alla stazione alle sei.", "Questa canzone mi ricorda la mia infanzia.",
        "La biblioteca chiude presto la domenica.", "Mio fratello ha comprato una bicicletta nuova ieri.",
        "Per favore, spegni la luce quando esci dalla stanza.",
        "Stiamo organizzando una piccola festa per il suo compleanno.",
        "Il museo ha una nuova mostra sulle mappe antiche.", "Ha cominciato a piovere appena siamo arrivati al mare."),
    "Czech": (
        "Dnes je krásné počasí, pojďme se projít.", "Mohl byste mi podat sůl, prosím?",
        "Sejdeme se na nádraží v šest hodin.", "Tahle píseň mi připomíná dětství.",
        "Knihovna v neděli zavírá brzy.", "Můj bratr si včera koupil nové kolo.",
        "Prosím, zhasni světlo, až budeš odcházet z pokoje.",
        "Příští týden chystáme malou oslavu jejích narozenin.",
        "Muzeum má novou výstavu o starých mapách.", "Začalo pršet, právě když jsme došli na pláž."),
    "Finnish": (
        "Tänään on kaunis ilma, lähdetään kävelylle.", "Voisitko ojentaa suolan?",
        "Tavataan rautatieasemalla kello kuusi.", "Tämä laulu muistuttaa minua lapsuudestani.",
        "Kirjasto sulkeutuu sunnuntaisin aikaisin.", "Veljeni osti eilen uuden polkupyörän.",
        "Sammuta valot, kun lähdet huoneesta.", "Suunnittelemme pienet juhlat hänen syntymäpäiväkseen.",
        "Museossa on uusi näyttely vanhoista kartoista.", "Alkoi sataa juuri kun pääsimme rannalle."),
    "Russian": (
        "Сегодня прекрасная погода, давай погуляем.", "Передайте мне, пожалуйста, соль.",
        "Я встречу тебя на вокзале в шесть часов.", "Эта песня напоминает мне о детстве.",
        "Библиотека по воскресеньям закрывается рано.", "Мой брат вчера купил новый велосипед.",
        "Пожалуйста, выключи свет, когда будешь уходить.",
        "Мы готовим небольшой праздник на её день рождения.",
        "В музее открылась новая выставка старых карт.", "Дождь начался, как только мы пришли на пляж."),
    "Hindi": (
        "आज मौसम बहुत अच्छा है, चलो टहलने चलते हैं।", "क्या आप मुझे नमक दे सकते हैं?",
        "मैं तुमसे छह बजे स्टेशन पर मिलूँगा।", "यह गाना मुझे मेरे बचपन की याद दिलाता है।",
        "पुस्तकालय रविवार को जल्दी बंद होता है।", "मेरे भाई ने कल नई साइकिल खरीदी।",
        "कमरे से जाते समय कृपया बत्ती बंद कर देना।", "हम अगले हफ्ते उसके जन्मदिन की छोटी सी पार्टी रख रहे हैं।",
        "संग्रहालय में पुराने नक्शों की नई प्रदर्शनी लगी है।", "जैसे ही हम समुद्र तट पर पहुँचे, बारिश शुरू हो गई।"),
    "Marathi": (
        "आज हवामान खूप छान आहे, चला फिरायला जाऊया.", "कृपया मला मीठ द्याल का?",
        "मी तुला सहा वाजता स्टेशनवर भेटेन.", "हे गाणे मला माझ्या बालपणाची आठवण करून देते.",
        "ग्रंथालय रविवारी लवकर बंद होते.", "माझ्या भावाने काल नवीन सायकल घेतली.",
        "खोलीतून जाताना कृपया दिवा बंद कर.", "आम्ही पुढच्या आठवड्यात तिच्या वाढदिवसाची छोटी पार्टी ठेवत आहोत.",
        "संग्रहालयात जुन्या नकाशांचे नवीन प्रदर्शन आहे.", "आम्ही समुद्रकिनारी पोहोचताच पाऊस सुरू झाला."),
    "Telugu": (
        "ఈ రోజు వాతావరణం చాలా బాగుంది, నడకకు వెళ్దాం.", "దయచేసి ఉప్పు ఇస్తారా?",
        "నేను నిన్ను ఆరు గంటలకు స్టేషన్‌లో కలుస్తాను.", "ఈ పాట నాకు నా చిన్నతనాన్ని గుర్తు చేస్తుంది.",
        "గ్రంథాలయం ఆదివారం త్వరగా మూసివేస్తారు.", "మా అన్నయ్య నిన్న కొత్త సైకిల్ కొన్నాడు.",
        "గది నుండి వెళ్ళేటప్పుడు దయచేసి లైట్ ఆపేయి.", "వచ్చే వారం ఆమె పుట్టినరోజుకు చిన్న వేడుక చేస్తున్నాం.",
        "మ్యూజియంలో పాత పటాల కొత్త ప్రదర్శన ఉంది.", "మేము బీచ్‌కి చేరగానే వర్షం మొదలైంది."),
    "Catalan": (
        "Avui fa un temps molt bonic, anem a passejar.", "Em pots passar la sal, si us plau?",
        "Ens veurem a l'estació de tren a les sis.", "Aquesta cançó em recorda la meva infància.",
        "La biblioteca tanca aviat els diumenges.", "El meu germà va comprar una bicicleta nova ahir.",
        "Si us plau, apaga el llum quan surtis de l'habitació.",
        "Estem preparant una petita festa per al seu aniversari.",
        "El museu té una nova exposició sobre mapes antics.", "Va començar a ploure just quan vam arribar a la platja."),
}
