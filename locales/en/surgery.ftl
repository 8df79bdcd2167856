surgery-title = Operating theatres
