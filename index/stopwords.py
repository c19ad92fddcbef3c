"""Stop words for the lexical index and term coverage: Indonesian and English function words."""

INDONESIAN = frozenset(
    """
    ada adalah adanya agar akan akankah aku amat antara antaranya apa apakah apabila atas atau bagai bagaimana
    bagi bahwa baik banyak baru begitu beliau belum berapa berbagai beri berikut bersama besar biasa bila bisa
    boleh bukan cukup dalam dan dapat dari daripada dengan di dia dilakukan diri dimana demi demikian dua
    hal hampir hanya harus hingga ia ialah ini itu jadi jika juga kalau kami kamu karena ke kecuali kembali
    kemudian kepada ketika kini kita lagi lain lalu lebih maka mana masih masing melalui memang mereka
    merupakan meski mungkin namun nya oleh pada padahal para pernah perlu pula punya saat saja salah sama
    sampai sangat satu saya seakan sebagai sebagaimana sebelum sebuah sedang sedangkan sehingga sejak
    sekarang selain selalu seluruh semua sendiri seperti serta sesuai setelah setiap siapa suatu sudah
    supaya tak tanpa tapi telah tentang tentu terhadap terdapat tersebut tetapi tiap untuk waktu ya yaitu
    yakni yang sebutkan jelaskan apa saja apakah bagaimanakah mengapa kenapa dimana kapan adakah
    """.split()
)

ENGLISH = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours tell list give name named describe explain please does
    """.split()
)

ALL = INDONESIAN | ENGLISH
