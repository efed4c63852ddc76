"""Words that say nothing about which event a report is about, in normalised form
(``articles.search.words.normalize``: no hamza, ه for ة, ي for ى, no accents).

Function words, and the words every news report uses whatever it reports: verbs of
saying, days, months, units of time, "new", "today". Names of places and countries are
not here: ``articles.stories.names`` reads them as names.
"""

from __future__ import annotations

from articles.search.words import words

ARABIC = frozenset(
    """
    من في على علي الى الي إلى عن مع هذا هذه ذلك تلك هؤلاء التي الذي الذين اللذين اللتين
    ان او ام ثم قد لقد كان كانت يكون تكون كانوا ما لا لم لن هو هي هم هن انه انها نحو بين
    بعد قبل عند حتى حتي خلال منذ حول ضد دون غير كل بعض اي ايضا حيث كما لكن بل اذا عبر امام
    وفق وفقا اثر جراء لدى لدي فيه فيها منه منها عليه عليها اليه اليها به بها لها له لهم
    عنه عنها وهو وهي وقد كذلك مثل فقط اكثر اقل اول ثاني جميع عدد عده مدى مدي الا الى
    سوى بشان شان ازاء تجاه تحت فوق داخل خارج لدن طرف جانب اطار ضمن حسب بحسب وذلك هناك هنا
    قال قالت يقول تقول اكد اكدت يؤكد افاد افادت اعلن اعلنت يعلن اشار اشارت كشف كشفت اوضح
    اوضحت اضاف اضافت ذكر ذكرت صرح صرحت اعتبر اعتبرت تم يتم تمت سيتم بات باتت اصبح اصبحت
    عرف عرفت شهد شهدت سجل سجلت تعرف تشهد
    يوم اليوم امس غدا الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه السبت احد اثنين ثلاثاء
    اربعاء خميس جمعه سبت مساء صباح ليله ليل نهار ساعه ساعات دقيقه اسبوع اسابيع شهر اشهر
    سنه سنوات عام اعوام الماضي الماضيه المقبل المقبله الجاري الحالي الحاليه القادم الاخير
    الاخيره مؤخرا حاليا يناير فبراير مارس ابريل ماي يونيو يوليوز غشت شتنبر اكتوبر نونبر
    دجنبر جديد جديده جدد مصادر مصدر متطابقه نسبه المائه مائه بالمائه درهم دراهم مليون
    ملايين مليار الف الاف بلاغ بيان خبر اخبار موقع جريده صحيفه تقرير تقارير معطيات حوالي
    نحو قرابه ازيد اكثر ما يزيد يناهز عشرات مئات الاف وطني وطنيه عدد المملكه
    """.split()  # noqa: SIM905 (a word list reads best as text)
)

FRENCH = frozenset(
    """
    le la les l de des du d un une et en a au aux pour par sur dans avec sans que qui quoi
    dont ou ce cet cette ces c son sa ses leur leurs il elle ils elles on est sont ont ete
    etre etait avait fait plus moins pas ne n se s qu j y mais donc or ni car selon apres
    avant depuis entre lors contre vers chez tout tous toute toutes tres aussi ainsi comme
    deja encore bien sous pres ici la-bas cela ceci celui celle ceux celles lui eux nous
    vous notre nos votre vos meme memes autre autres quel quelle quels quelles chaque
    plusieurs certains certaines environ quelque quelques pendant durant lorsque alors
    annonce annonces annoncee indique indiquent declare declaree affirme precise souligne
    selon rapporte ajoute explique estime note
    jour jours hier aujourd aujourdhui demain lundi mardi mercredi jeudi vendredi samedi
    dimanche matin soir nuit heure heures semaine semaines mois an ans annee annees janvier
    fevrier mars avril mai juin juillet aout septembre octobre novembre decembre dernier
    derniere derniers prochain prochaine nouveau nouvelle nouveaux nouvelles nouvel
    dirhams dirham dh mdh mmdh millions million milliards milliard mille pres pourcent
    communique source sources article rapport
    """.split()  # noqa: SIM905 (a word list reads best as text)
)


def _as_read(listed: frozenset[str]) -> frozenset[str]:
    """The list and each word as the text's words are read (``words``: "المائه" is read
    "المايه", "هؤلاء" "هولاء"), so that a word listed with its hamza still matches."""
    found = set(listed)
    for word in listed:
        read = words(word)
        if len(read) == 1:
            found.add(read[0])
    return frozenset(found)


WORDS = _as_read(ARABIC | FRENCH)
