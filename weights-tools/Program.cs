Console.WriteLine("weights-tools");
